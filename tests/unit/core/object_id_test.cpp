#include "core/object_id.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace leadgate::core {
namespace {

TimePoint At(std::int64_t ms) { return FromUnixMillis(ms); }

TEST(ObjectId, LayoutIsSecondsRandomCounter) {
  ObjectIdGenerator gen({0x01, 0x02, 0x03, 0x04, 0x05}, 0xABCDEF);
  // 2026-11-29T12:00:00Z = 1795953600 s = 0x6B0C13C0
  EXPECT_EQ(gen.Next(At(1795953600123)),
            "6b0c13c0"
            "0102030405"
            "abcdef");
  EXPECT_EQ(gen.Next(At(1795953600999)),
            "6b0c13c0"
            "0102030405"
            "abcdf0");
}

TEST(ObjectId, CounterWrapsAtThreeBytes) {
  ObjectIdGenerator gen({0, 0, 0, 0, 0}, 0xFFFFFF);
  EXPECT_EQ(gen.Next(At(0)).substr(18), "ffffff");
  EXPECT_EQ(gen.Next(At(0)).substr(18), "000000");
}

TEST(ObjectId, SecondsRoundTrip) {
  ObjectIdGenerator gen;
  const std::string id = gen.Next(At(1795953600123));
  EXPECT_TRUE(IsObjectId(id));
  EXPECT_EQ(ObjectIdSeconds(id), 1795953600u);
}

TEST(ObjectId, IsObjectIdAcceptsOnly24Hex) {
  EXPECT_TRUE(IsObjectId("65a1b2c3d4e5f60718293a4b"));
  EXPECT_TRUE(IsObjectId("65A1B2C3D4E5F60718293A4B"));
  EXPECT_FALSE(IsObjectId("65a1b2c3d4e5f60718293a4"));
  EXPECT_FALSE(IsObjectId("65a1b2c3d4e5f60718293a4bc"));
  EXPECT_FALSE(IsObjectId("65a1b2c3d4e5f60718293a4g"));
  EXPECT_FALSE(IsObjectId(""));
}

TEST(ObjectId, UniqueAcrossThreads) {
  ObjectIdGenerator gen;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(gen.Next(At(1795953600000)));
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(ObjectId, TwoGeneratorsDiffer) {
  ObjectIdGenerator a;
  ObjectIdGenerator b;
  EXPECT_NE(a.Next(At(0)).substr(8, 10), b.Next(At(0)).substr(8, 10));
}

TEST(Clock, FormatsIso8601WithMilliseconds) {
  EXPECT_EQ(FormatIso8601(At(1795953600123)), "2026-11-29T12:00:00.123Z");
  EXPECT_EQ(FormatIso8601(At(0)), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace leadgate::core

namespace leadgate::core {
namespace {

TEST(Clock, ParsesIso8601Forms) {
  const TimePoint noon = FromUnixMillis(1795953600000);  // 2026-11-29T12:00:00Z
  EXPECT_EQ(ParseIso8601("2026-11-29T12:00:00Z"), noon);
  EXPECT_EQ(ParseIso8601("2026-11-29T12:00:00.123Z"), noon + std::chrono::milliseconds(123));
  EXPECT_EQ(ParseIso8601("2026-11-29T12:00:00.1239Z"), noon + std::chrono::milliseconds(123));
  EXPECT_EQ(ParseIso8601("2026-11-29T14:00:00+02:00"), noon);
  EXPECT_EQ(ParseIso8601("2026-11-29T06:30:00-0530"), noon);
  EXPECT_EQ(ParseIso8601("2026-11-29"), noon - std::chrono::hours(12));
  EXPECT_EQ(ParseIso8601(FormatIso8601(noon)), noon);
}

TEST(Clock, RejectsMalformedIso8601) {
  for (const char* bad : {"", "2026", "2026-11-29T12:00:00", "2026-02-30", "2026-13-01",
                          "2026-11-29T25:00:00Z", "2026-11-29T12:00:00.Z", "2026-11-29T12:00Z",
                          "2026-11-29T12:00:00Zx", "29/11/2026", "2026-11-29T12:00:00+2"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace leadgate::core

#include "http/stored_body.hpp"

#include <gtest/gtest.h>

namespace leadgate::http {
namespace {

TEST(StoredBody, SmallJsonIsKeptVerbatim) {
  EXPECT_EQ(PackBody(R"({"error":"x"})"), R"({"error":"x"})");
  EXPECT_EQ(PackBody(""), "");
  EXPECT_EQ(UnpackBody(R"({"error":"x"})").value(), R"({"error":"x"})");
}

TEST(StoredBody, LargeBodiesShrinkAndRoundTripExactly) {
  std::string big = "{\"success\":[";
  for (int i = 0; i < 2000; ++i)
    big += R"({"_id":"6b0c13c00102030405000010","currentState":"initialized"},)";
  big += "{}]}";
  const std::string packed = PackBody(big);
  EXPECT_LT(packed.size(), big.size() / 5);
  EXPECT_EQ(packed.substr(0, 2), std::string("\0z", 2));
  EXPECT_EQ(UnpackBody(packed).value(), big);
}

TEST(StoredBody, BodiesStartingWithNulAreAlwaysPacked) {
  const std::string odd("\0{}", 3);
  const std::string packed = PackBody(odd);
  EXPECT_NE(packed, odd);
  EXPECT_EQ(UnpackBody(packed).value(), odd);
}

TEST(StoredBody, CorruptPackedBodiesAreErrors) {
  std::string packed = PackBody(std::string(5000, 'x'));
  EXPECT_FALSE(UnpackBody(packed.substr(0, packed.size() - 3)).has_value());
  EXPECT_FALSE(UnpackBody(std::string("\0q", 2)).has_value());
  std::string wrong_size = packed;
  wrong_size[2] = static_cast<char>(wrong_size[2] + 1);
  EXPECT_FALSE(UnpackBody(wrong_size).has_value());
}

}  // namespace
}  // namespace leadgate::http

#include "limits/duplicate_guard.hpp"

#include <gtest/gtest.h>

#include "storage/memory_lead_store.hpp"
#include "support/test_util.hpp"

namespace leadgate::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class DuplicateGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(store_.CreateProject(
        core::Project{"6b0c13c00102030405000001", "p", "US", true, clock_.Now(), std::nullopt}));
    ASSERT_OK(store_.CreateApiKey(core::ApiKeyRecord{kKey, "6b0c13c00102030405000001",
                                                     std::string(64, 'a'), false, clock_.Now()}));
  }
  static constexpr char kKey[] = "6b0c13c00102030405000002";
  core::FakeClock clock_{core::FromUnixMillis(1'795'953'600'000)};
  storage::MemoryLeadStore store_;
  DuplicateGuard guard_{store_, clock_, GuardPolicy{5, seconds(60), seconds(3600)}};
};

TEST_F(DuplicateGuardTest, SixthStrikeWithinAMinuteBlocksForAnHour) {
  for (int i = 1; i <= 5; ++i) {
    auto state = guard_.Strike(kKey);
    ASSERT_OK(state);
    EXPECT_EQ(state->strikes, i);
    EXPECT_FALSE(state->blocked_until);
    clock_.Advance(seconds(5));
  }
  auto sixth = guard_.Strike(kKey);
  ASSERT_OK(sixth);
  EXPECT_EQ(sixth->strikes, 6);
  ASSERT_TRUE(sixth->blocked_until);
  EXPECT_EQ(*sixth->blocked_until, clock_.Now() + seconds(3600));
  EXPECT_EQ(guard_.BlockLeft(*sixth), seconds(3600));

  clock_.Advance(seconds(3599));
  auto still = guard_.State(kKey);
  ASSERT_OK(still);
  EXPECT_EQ(guard_.BlockLeft(*still), seconds(1));
  clock_.Advance(seconds(1));
  auto over = guard_.State(kKey);
  ASSERT_OK(over);
  EXPECT_FALSE(over->blocked_until);
  EXPECT_EQ(over->strikes, 0);  // all far outside the window by now
}

TEST_F(DuplicateGuardTest, StrikesSpreadBeyondTheWindowNeverBlock) {
  for (int i = 0; i < 20; ++i) {
    auto state = guard_.Strike(kKey);
    ASSERT_OK(state);
    EXPECT_FALSE(state->blocked_until) << i;
    EXPECT_LE(state->strikes, 5);
    clock_.Advance(seconds(13));  // at most 5 strikes in any 60 s
  }
}

TEST_F(DuplicateGuardTest, UnblockLiftsTheBlockAndForgetsStrikes) {
  for (int i = 0; i < 6; ++i) ASSERT_OK(guard_.Strike(kKey));
  ASSERT_OK(guard_.Unblock(kKey));
  auto state = guard_.State(kKey);
  ASSERT_OK(state);
  EXPECT_EQ(state->strikes, 0);
  EXPECT_FALSE(state->blocked_until);
}

}  // namespace
}  // namespace leadgate::limits

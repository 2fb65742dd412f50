#include "core/lead_update.hpp"

#include <gtest/gtest.h>

#include "support/test_util.hpp"

namespace leadgate::core {
namespace {

class LeadUpdateTest : public ::testing::Test {
 protected:
  Lead Base() const {
    Lead lead;
    lead.id = "6b0c13c00102030405000010";
    lead.project_id = "6b0c13c00102030405000001";
    lead.process_id = "6b0c13c00102030405000002";
    lead.name = "Jane Doe";
    lead.first_name = "Jane";
    lead.last_name = "Doe";
    lead.email = "jane@example.com";
    lead.metadata_json = R"({"a":1})";
    lead.state = LeadState::kInitialized;
    lead.created_state = LeadState::kInitialized;
    lead.next_attempt_at = FromUnixMillis(1000);
    lead.created_at = lead.updated_at = FromUnixMillis(1000);
    return lead;
  }
  TimePoint now_ = FromUnixMillis(1'795'953'600'000);
  ObjectIdGenerator ids_{{1, 2, 3, 4, 5}, 0};
};

TEST_F(LeadUpdateTest, NameIsResplitAndRecordedWithTheUser) {
  LeadChanges c;
  c.name = "Janet van Dyke";
  c.user_id = "u1";
  auto m = ApplyUpdate(Base(), c, ids_, now_);
  ASSERT_OK(m);
  EXPECT_EQ(m->lead.name, "Janet van Dyke");
  EXPECT_EQ(m->lead.first_name, "Janet");
  EXPECT_EQ(m->lead.last_name, "van Dyke");
  EXPECT_EQ(m->lead.updated_at, now_);
  ASSERT_EQ(m->activities.size(), 1u);
  const Activity& a = m->activities[0];
  EXPECT_EQ(a.type, ActivityType::kUpdated);
  EXPECT_EQ(a.lead_id, Base().id);
  EXPECT_EQ(a.at, now_);
  EXPECT_EQ(a.user_id, "u1");
  EXPECT_EQ(a.fields, std::vector<std::string>{"name"});
}

TEST_F(LeadUpdateTest, UnchangedValuesWriteNothing) {
  LeadChanges c;
  c.name = "Jane Doe";
  c.metadata = std::optional<std::string>(R"({"a":1})");
  c.metadata_keys = {"a"};
  c.target_state = LeadState::kInitialized;
  auto m = ApplyUpdate(Base(), c, ids_, now_);
  ASSERT_OK(m);
  EXPECT_TRUE(m->activities.empty());
  EXPECT_EQ(m->lead, Base());
}

TEST_F(LeadUpdateTest, MetadataChangeNamesItsKeys) {
  LeadChanges c;
  c.metadata = std::optional<std::string>(R"({"a":2,"b":3})");
  c.metadata_keys = {"a", "b"};
  auto m = ApplyUpdate(Base(), c, ids_, now_);
  ASSERT_OK(m);
  EXPECT_EQ(m->lead.metadata_json, R"({"a":2,"b":3})");
  EXPECT_EQ(m->activities.at(0).fields, (std::vector<std::string>{"metadata.a", "metadata.b"}));
  // Deleting every key leaves no metadata at all.
  LeadChanges clear;
  clear.metadata = std::optional<std::string>();
  clear.metadata_keys = {"a"};
  EXPECT_FALSE(ApplyUpdate(Base(), clear, ids_, now_)->lead.metadata_json);
}

TEST_F(LeadUpdateTest, TargetStateAndDisposition) {
  LeadChanges c;
  c.target_state = LeadState::kSucceeded;
  c.disposition = "Interested";
  auto m = ApplyUpdate(Base(), c, ids_, now_);
  ASSERT_OK(m);
  EXPECT_EQ(m->lead.state, LeadState::kSucceeded);
  EXPECT_EQ(m->lead.last_disposition, "Interested");
  EXPECT_FALSE(m->lead.next_attempt_at);
  ASSERT_EQ(m->activities.size(), 1u);
  EXPECT_EQ(m->activities[0].type, ActivityType::kStateChanged);
  EXPECT_EQ(m->activities[0].from, LeadState::kInitialized);
  EXPECT_EQ(m->activities[0].to, LeadState::kSucceeded);
  EXPECT_EQ(m->activities[0].disposition, "Interested");

  LeadChanges requeue;
  requeue.target_state = LeadState::kScheduled;
  Lead ended = m->lead;
  auto again = ApplyUpdate(ended, requeue, ids_, now_);
  EXPECT_EQ(again->lead.next_attempt_at, now_);

  LeadChanges disposition_only;
  disposition_only.disposition = "Callback";
  auto d = ApplyUpdate(Base(), disposition_only, ids_, now_);
  ASSERT_EQ(d->activities.size(), 1u);
  EXPECT_EQ(d->activities[0].from, d->activities[0].to);
  EXPECT_EQ(d->lead.state, LeadState::kInitialized);
}

TEST_F(LeadUpdateTest, RefusedWhileInACall) {
  Lead lead = Base();
  lead.state = LeadState::kInCall;
  LeadChanges c;
  c.name = "X";
  auto m = ApplyUpdate(lead, c, ids_, now_);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace leadgate::core

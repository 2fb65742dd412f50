#include "import/bulk_answer.hpp"

#include <gtest/gtest.h>

namespace leadgate::import {
namespace {

const std::vector<SentRow> kSent = {{1, 2}, {2, 3}, {4, 6}, {5, 7}};

TEST(BulkAnswer, DefaultFormatSuccessesFillTheGapsInOrder) {
  const std::string body = R"({"success":[{"_id":"a1","phone":"+1"},{"_id":"a2"}],
    "errors":[{"data":{},"error":"Lead with phone +14155552671 already exists for this project and process",
               "code":"duplicate_phone","existingLeadId":"e1","index":1},
              {"data":{},"error":"Invalid phone number","code":"invalid_phone","index":3}]})";
  auto rows = InterpretBulkAnswer(body, kSent, false);
  ASSERT_TRUE(rows.has_value()) << rows.error().message;
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0], (RowResult{1, 2, RowStatus::kCreated, "a1", "", ""}));
  EXPECT_EQ((*rows)[1], (RowResult{2, 3, RowStatus::kDuplicate, "e1", "duplicate_phone",
                                   "Lead with phone +14155552671 already exists for this "
                                   "project and process"}));
  EXPECT_EQ((*rows)[2], (RowResult{4, 6, RowStatus::kCreated, "a2", "", ""}));
  EXPECT_EQ((*rows)[3],
            (RowResult{5, 7, RowStatus::kInvalid, "", "invalid_phone", "Invalid phone number"}));
}

TEST(BulkAnswer, SimplifiedFormatAndDryRun) {
  const std::string body =
      R"({"success":[{"_id":"a1","referenceId":null,"currentState":"initialized"},
    {"_id":"a2","referenceId":"r","currentState":"initialized"},{"_id":"a3","referenceId":null,"currentState":"initialized"}],
    "errors":[{"referenceId":null,"error":"A call attempt has already been made to this phone number for this project","code":"phone_already_attempted","index":0}]})";
  auto rows = InterpretBulkAnswer(body, kSent, true);
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ((*rows)[0].status, RowStatus::kDuplicate);
  EXPECT_EQ((*rows)[0].lead_id, "");
  EXPECT_EQ((*rows)[1], (RowResult{2, 3, RowStatus::kValid, "a1", "", ""}));
  EXPECT_EQ((*rows)[3].lead_id, "a3");
}

TEST(BulkAnswer, WithoutCodesDuplicatesAreReadFromTheMessage) {
  const std::string body = R"({"success":[],"errors":[
    {"error":"Lead with email a@b.co already exists for this project","index":0},
    {"error":"A call attempt has already been made to this phone number for this project","index":1},
    {"error":"Phone number contains repeating digits pattern","index":2},
    {"error":"Either phone or email is required","index":3}]})";
  auto rows = InterpretBulkAnswer(body, kSent, false);
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ((*rows)[0].status, RowStatus::kDuplicate);
  EXPECT_EQ((*rows)[1].status, RowStatus::kDuplicate);
  EXPECT_EQ((*rows)[2].status, RowStatus::kInvalid);
  EXPECT_EQ((*rows)[3].status, RowStatus::kInvalid);
}

TEST(BulkAnswer, AnswersThatDoNotAccountForEveryLeadAreErrors) {
  const std::vector<std::string> bad = {
      "not json",
      R"({"errors":[]})",
      R"({"success":[{"_id":"a"}],"errors":[]})",  // too few
      R"({"success":[{"_id":"a"},{"_id":"b"},{"_id":"c"},{"_id":"d"},{"_id":"e"}],"errors":[]})",
      R"({"success":[],"errors":[{"error":"x","index":4}]})",  // range
      R"({"success":[{"_id":"a"},{"_id":"b"}],"errors":[{"error":"x","index":1},{"error":"y","index":1}]})",
      R"({"success":[{"_id":"a"},{"_id":"b"},{"_id":"c"}],"errors":[{"error":"x"}]})",
      R"({"success":[{"x":1},{"_id":"b"},{"_id":"c"},{"_id":"d"}],"errors":[]})",
  };
  for (const auto& body : bad) {
    EXPECT_FALSE(InterpretBulkAnswer(body, kSent, false).has_value()) << body;
  }
}

}  // namespace
}  // namespace leadgate::import

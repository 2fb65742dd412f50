// POST /api/v1/leads/initiate against a real server.
#include <gtest/gtest.h>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

using SingleInitiateTest = LeadgateTest;

TEST_F(SingleInitiateTest, CreatesAndInitializesALead) {
  const auto res = Single(R"({"init":true,"lead":)" +
                          Lead(R"("firstName":"John","lastName":"Doe","phone":"8888833333",)"
                               R"("email":"John@Example.com","referenceId":"AB123456789")") +
                          "}");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = ParseJson(res.body);
  EXPECT_TRUE(doc["success"].GetBool());
  EXPECT_STREQ(doc["name"].GetString(), "John Doe");
  EXPECT_STREQ(doc["phone"].GetString(), "+18888833333");
  EXPECT_STREQ(doc["email"].GetString(), "john@example.com");
  EXPECT_STREQ(doc["currentState"].GetString(), "initialized");
  // "success" comes first, then the lead object.
  EXPECT_EQ(res.body.rfind(R"({"success":true,"_id":")", 0), 0u) << res.body;
}

TEST_F(SingleInitiateTest, CreateWithoutInitThenInitializeByLeadId) {
  auto created = ParseJson(
      Single(R"({"init":false,"lead":)" + Lead(R"("name":"A","email":"a@example.com")") + "}")
          .body);
  EXPECT_STREQ(created["currentState"].GetString(), "created");
  const std::string id = created["_id"].GetString();

  auto validated = ParseJson(Single(R"({"leadId":")" + id + R"(","init":false})").body);
  EXPECT_STREQ(validated["currentState"].GetString(), "created");
  const auto res = Single(R"({"leadId":")" + id + R"("})");
  ASSERT_EQ(res.status, 200);
  auto initialized = ParseJson(res.body);
  EXPECT_STREQ(initialized["_id"].GetString(), id.c_str());
  EXPECT_STREQ(initialized["currentState"].GetString(), "initialized");
}

TEST_F(SingleInitiateTest, ErrorsHaveExactStatusesAndBodies) {
  ASSERT_EQ(Single(R"({"lead":)" + Lead(R"("name":"A","phone":"+14155552671")") + "}").status, 200);
  struct Case {
    std::string body;
    int status;
    std::string response;
  };
  const Case cases[] = {
      {"{", 400, R"({"error":"Invalid JSON body"})"},
      {"{}", 400, R"({"error":"Either leadId or lead object is required"})"},
      {R"({"lead":null,"leadId":null})", 400,
       R"({"error":"Either leadId or lead object is required"})"},
      {R"({"lead":{"name":"A"}})", 400, R"({"error":"projectId is required in lead object"})"},
      {R"({"lead":{"projectId":"0123456789abcdef01234567","name":"A"}})", 403,
       R"({"error":"projectId does not match authenticated project"})"},
      {R"({"lead":{"projectId":")" + project_id_ +
           R"(","processId":"0123456789abcdef01234567","name":"A"}})",
       404, R"({"error":"Process not found for lead with processId: 0123456789abcdef01234567"})"},
      {R"({"leadId":"0123456789abcdef01234567"})", 404, R"({"error":"Lead not found"})"},
      {R"({"leadId":"nope"})", 400, R"({"error":"Invalid lead ID","code":"invalid_lead_id"})"},
      {R"({"lead":)" + Lead(R"("name":"B","phone":"1212121212")") + "}", 400,
       R"({"error":"Phone number contains repeating digits pattern","code":"phone_repeating_digits"})"},
      {R"({"lead":)" + Lead(R"("phone":"+14155550123")") + "}", 400,
       R"({"error":"Either name or firstName is required","code":"missing_name"})"},
      {R"({"lead":[1]})", 400, R"({"error":"lead must be an object"})"},
      {R"({"lead":)" + Lead(R"("name":"A")") + R"(,"leadId":"0123456789abcdef01234567"})", 400,
       R"({"error":"Provide either leadId or lead object, not both"})"},
  };
  for (const auto& c : cases) {
    const auto res = Single(c.body);
    EXPECT_EQ(res.status, c.status) << c.body;
    EXPECT_EQ(res.body, c.response) << c.body;
  }
}

TEST_F(SingleInitiateTest, DuplicateCarriesTheExistingLeadId) {
  auto first =
      ParseJson(Single(R"({"lead":)" + Lead(R"("name":"A","phone":"+14155552671")") + "}").body);
  const std::string id = first["_id"].GetString();
  const auto res = Single(R"({"lead":)" + Lead(R"("name":"B","phone":"(415) 555 2671")") + "}");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(
      res.body,
      R"({"error":"Lead with phone +14155552671 already exists for this project and process","code":"duplicate_phone","existingLeadId":")" +
          id + "\"}");
}

}  // namespace
}  // namespace leadgate::testing

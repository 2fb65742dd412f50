// POST /api/v1/leads/bulk/initiate against a real server: every status code and exact body of
// docs/api.md, the response formats, dryRun, leadIds, and what ends up stored.
#include <gtest/gtest.h>

#include <string>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

class BulkInitiateTest : public LeadgateTest {
 protected:
  // Opens the server's database file alongside it (WAL allows a second reader).
  std::int64_t StoredLeads() {
    auto store = OpenTestStore();
    if (!store) return -1;
    auto count = store->CountLeads(project_id_);
    EXPECT_TRUE(count.has_value());
    return count ? *count : -1;
  }
};

TEST_F(BulkInitiateTest, MixedBatchStoresTheGoodAndReportsTheBadInOrder) {
  const std::string good = Lead(
      R"("name":"Jane  Doe","phone":"(415) 555-2671","email":"Jane.Doe@Example.COM",)"
      R"("referenceId":" crm-42 ","groupId":"g1","metadata":{ "plan" : "gold", "n": [1, 2] })");
  const std::string repeating = Lead(R"("firstName":"Rep","phone":"999-999-9999")");
  const std::string invalid = Lead(R"("firstName":"Inv","phone":"12345")");
  const std::string no_contact = Lead(R"("firstName":"Nobody")");
  const auto res =
      Bulk("{\"leads\":[" + good + "," + repeating + "," + invalid + "," + no_contact + "]}");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.Header("Content-Type"), "application/json");

  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["success"].Size(), 1u);
  const auto& lead = doc["success"][0];
  EXPECT_EQ(std::string(lead["_id"].GetString()).size(), 24u);
  EXPECT_EQ(std::string(lead["projectId"].GetString()), project_id_);
  EXPECT_EQ(std::string(lead["processId"].GetString()), process_id_);
  EXPECT_STREQ(lead["groupId"].GetString(), "g1");
  EXPECT_STREQ(lead["name"].GetString(), "Jane  Doe");
  EXPECT_STREQ(lead["firstName"].GetString(), "Jane");
  EXPECT_STREQ(lead["lastName"].GetString(), "Doe");
  EXPECT_STREQ(lead["phone"].GetString(), "+14155552671");
  EXPECT_STREQ(lead["email"].GetString(), "jane.doe@example.com");
  EXPECT_STREQ(lead["referenceId"].GetString(), "crm-42");
  EXPECT_STREQ(lead["currentState"].GetString(), "initialized");
  EXPECT_EQ(lead["attempts"].GetInt(), 0);
  EXPECT_TRUE(lead["nextAttemptAt"].IsString());
  EXPECT_EQ(std::string(lead["createdAt"].GetString()).size(), 24u);  // ...T12:00:00.000Z
  // metadata is the submitted object, minified, byte for byte.
  EXPECT_NE(res.body.find(R"("metadata":{"plan":"gold","n":[1,2]})"), std::string::npos);

  const std::string expected_errors =
      R"("errors":[{"data":)" + repeating +
      R"(,"error":"Phone number contains repeating digits pattern","code":"phone_repeating_digits","index":1},)"
      R"({"data":)" +
      invalid +
      R"(,"error":"Invalid phone number","code":"invalid_phone","index":2},)"
      R"({"data":)" +
      no_contact +
      R"(,"error":"Either phone or email is required","code":"missing_contact","index":3}]})";
  EXPECT_NE(res.body.find(expected_errors), std::string::npos) << res.body;
  EXPECT_EQ(StoredLeads(), 1);
}

TEST_F(BulkInitiateTest, AU0000EscapeInATextFieldFailsThatLeadOnlyOnEveryStore) {
  const auto res = Bulk("{\"leads\":[" + Lead(R"("name":"a\u0000b","phone":"+14155552671")") + "," +
                        Lead(R"("name":"ok","phone":"+14155552672")") + "]}");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["success"].Size(), 1u);
  ASSERT_EQ(doc["errors"].Size(), 1u);
  EXPECT_STREQ(doc["errors"][0]["error"].GetString(), "name must not contain U+0000");
  EXPECT_STREQ(doc["errors"][0]["code"].GetString(), "invalid_text");
  EXPECT_EQ(StoredLeads(), 1);
  // An id with one names nothing: the usual 404s, never a store error (the pg. run too).
  const auto process = Bulk(R"({"leads":[{"projectId":")" + project_id_ + R"(","processId":")" +
                            process_id_ + R"(\u0000","name":"c","phone":"+14155552673"}]})");
  EXPECT_EQ(process.status, 404) << process.body;
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  const auto by_reference = client.Send(
      "GET",
      "/api/v1/leads/get?referenceId=a%00b&processId=" + process_id_ + "&projectId=" + project_id_,
      {{"Authorization", "Bearer " + api_key_}});
  ASSERT_TRUE(by_reference.has_value());
  EXPECT_EQ(by_reference->status, 404) << by_reference->body;
  // Query and update filters refuse it with a 400 instead of a store error.
  const auto query = Post("/api/v1/leads/query", R"({"groupId":"g\u0000"})");
  EXPECT_EQ(query.status, 400);
  EXPECT_EQ(query.body, R"({"success":false,"error":"groupId must not contain U+0000"})");
}

TEST_F(BulkInitiateTest, DuplicatesWithinOneBatchNameTheFirstLead) {
  const std::string a = Lead(R"("name":"A","phone":"+14155552671")");
  const std::string b = Lead(R"("name":"B","phone":"415.555.2671")");
  const auto res = Bulk("{\"leads\":[" + a + "," + b + "]}");
  ASSERT_EQ(res.status, 200);
  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["success"].Size(), 1u);
  ASSERT_EQ(doc["errors"].Size(), 1u);
  const auto& err = doc["errors"][0];
  EXPECT_STREQ(err["error"].GetString(),
               "Lead with phone +14155552671 already exists for this project and process");
  EXPECT_STREQ(err["code"].GetString(), "duplicate_phone");
  EXPECT_EQ(err["index"].GetInt(), 1);
  EXPECT_STREQ(err["existingLeadId"].GetString(), doc["success"][0]["_id"].GetString());
  EXPECT_EQ(StoredLeads(), 1);
}

TEST_F(BulkInitiateTest, DuplicateReferenceAndEmailAcrossRequestsAndProcesses) {
  ASSERT_EQ(
      Bulk("{\"leads\":[" + Lead(R"("name":"A","email":"a@example.com","referenceId":"r1")") + "]}")
          .status,
      200);
  const std::string other_process = JsonField(
      Admin(db_, {"process", "create", "--project", project_id_, "--name", "second"}), "processId");

  const std::string same_ref = Lead(R"("name":"B","email":"b@example.com","referenceId":"r1")");
  const std::string same_email_other_process = R"({"projectId":")" + project_id_ +
                                               R"(","processId":")" + other_process +
                                               R"(","name":"C","email":"A@EXAMPLE.com"})";
  const std::string same_ref_other_process =
      R"({"projectId":")" + project_id_ + R"(","processId":")" + other_process +
      R"(","name":"D","email":"d@example.com","referenceId":"r1"})";
  const auto res = Bulk("{\"leads\":[" + same_ref + "," + same_email_other_process + "," +
                        same_ref_other_process + "]}");
  ASSERT_EQ(res.status, 200);
  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["errors"].Size(), 2u) << res.body;
  EXPECT_STREQ(doc["errors"][0]["error"].GetString(),
               "Lead with referenceId r1 already exists for this project and process");
  EXPECT_STREQ(doc["errors"][0]["code"].GetString(), "duplicate_reference");
  EXPECT_STREQ(doc["errors"][1]["error"].GetString(),
               "Lead with email a@example.com already exists for this project");
  EXPECT_STREQ(doc["errors"][1]["code"].GetString(), "duplicate_email");
  EXPECT_EQ(doc["errors"][1]["index"].GetInt(), 1);
  // referenceId is unique per process, so the third lead is fine.
  ASSERT_EQ(doc["success"].Size(), 1u);
  EXPECT_STREQ(doc["success"][0]["name"].GetString(), "D");
}

TEST_F(BulkInitiateTest, V12FormatIsTheSimplifiedShape) {
  const std::string ok = Lead(R"("name":"A","phone":"+442079460958","referenceId":"ref-a")");
  const std::string no_ref = Lead(R"("name":"B","email":"b@example.com")");
  const std::string bad = Lead(R"("name":"C","email":"not-an-email","referenceId":"ref-c")");
  const auto res = Bulk("{\"leads\":[" + ok + "," + no_ref + "," + bad +
                            "],\"leadIds\":[\"0123456789abcdef01234567\"]}",
                        "?v=1.2");
  ASSERT_EQ(res.status, 200);
  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["success"].Size(), 2u);
  const auto& first = doc["success"][0];
  EXPECT_EQ(first.MemberCount(), 3u);
  EXPECT_STREQ(first["referenceId"].GetString(), "ref-a");
  EXPECT_STREQ(first["currentState"].GetString(), "initialized");
  EXPECT_TRUE(doc["success"][1]["referenceId"].IsNull());
  const std::string errors =
      R"("errors":[{"referenceId":"ref-c","error":"Invalid email address","code":"invalid_email","index":2},)"
      R"({"referenceId":null,"error":"Lead not found","code":"lead_not_found","index":0}]})";
  EXPECT_NE(res.body.find(errors), std::string::npos) << res.body;
}

TEST_F(BulkInitiateTest, DryRunChecksEverythingAndWritesNothing) {
  const std::string a = Lead(R"("name":"A","phone":"+14155552671")");
  const std::string a_again = Lead(R"("name":"A2","phone":"+1 415 555 2671")");
  const auto dry = Bulk("{\"leads\":[" + a + "," + a_again + "]}", "?dryRun=true");
  ASSERT_EQ(dry.status, 200);
  auto doc = ParseJson(dry.body);
  EXPECT_EQ(doc["success"].Size(), 1u);
  ASSERT_EQ(doc["errors"].Size(), 1u);
  EXPECT_STREQ(doc["errors"][0]["code"].GetString(), "duplicate_phone");
  EXPECT_EQ(StoredLeads(), 0);

  // The same lead goes in for real afterwards; a dry run then sees it as a duplicate.
  ASSERT_EQ(ParseJson(Bulk("{\"leads\":[" + a + "]}").body)["success"].Size(), 1u);
  auto second = ParseJson(Bulk("{\"leads\":[" + a + "]}", "?dryRun=true").body);
  EXPECT_EQ(second["success"].Size(), 0u);
  EXPECT_STREQ(second["errors"][0]["code"].GetString(), "duplicate_phone");
  EXPECT_EQ(StoredLeads(), 1);
}

TEST_F(BulkInitiateTest, LeadIdsInitializeCreatedLeadsAndReportUnknownOnes) {
  auto created = ParseJson(
      Bulk("{\"init\":false,\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "]}")
          .body);
  ASSERT_EQ(created["success"].Size(), 1u);
  EXPECT_STREQ(created["success"][0]["currentState"].GetString(), "created");
  EXPECT_TRUE(created["success"][0]["nextAttemptAt"].IsNull());
  const std::string id = created["success"][0]["_id"].GetString();

  // A lead of another project is "not found" here.
  const std::string other = Admin(db_, {"project", "create", "--name", "other"});
  const std::string other_pid = JsonField(other, "projectId");
  const std::string other_proc = JsonField(
      Admin(db_, {"process", "create", "--project", other_pid, "--name", "p"}), "processId");
  auto foreign = Post("/api/v1/leads/bulk/initiate",
                      R"({"leads":[{"projectId":")" + other_pid + R"(","processId":")" +
                          other_proc + R"(","name":"X","phone":"+14155550000"}]})",
                      JsonField(other, "apiKey"));
  ASSERT_EQ(foreign.status, 200);
  const std::string foreign_id = ParseJson(foreign.body)["success"][0]["_id"].GetString();

  // Validation only with init:false: unchanged.
  auto check = ParseJson(Bulk("{\"init\":false,\"leadIds\":[\"" + id + "\"]}").body);
  EXPECT_STREQ(check["success"][0]["currentState"].GetString(), "created");

  const auto res =
      Bulk("{\"leadIds\":[\"" + id + "\",\"" + foreign_id + "\",\"xyz\",42,\"" + id + "\"]}");
  ASSERT_EQ(res.status, 200);
  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["success"].Size(), 2u);
  EXPECT_STREQ(doc["success"][0]["_id"].GetString(), id.c_str());
  EXPECT_STREQ(doc["success"][0]["currentState"].GetString(), "initialized");
  EXPECT_TRUE(doc["success"][0]["nextAttemptAt"].IsString());
  EXPECT_STREQ(doc["success"][1]["currentState"].GetString(), "initialized");  // unchanged
  const std::string errors =
      R"("errors":[{"leadId":")" + foreign_id +
      R"(","error":"Lead not found","code":"lead_not_found","index":1},)"
      R"({"leadId":"xyz","error":"Invalid lead ID","code":"invalid_lead_id","index":2},)"
      R"({"leadId":42,"error":"Invalid lead ID","code":"invalid_lead_id","index":3}]})";
  EXPECT_NE(res.body.find(errors), std::string::npos) << res.body;
}

TEST_F(BulkInitiateTest, BothArraysAreProcessedLeadsFirst) {
  auto first = ParseJson(
      Bulk("{\"init\":false,\"leads\":[" + Lead(R"("name":"A","email":"a@example.com")") + "]}")
          .body);
  const std::string id = first["success"][0]["_id"].GetString();
  auto doc = ParseJson(Bulk("{\"leadIds\":[\"" + id + "\"],\"leads\":[" +
                            Lead(R"("name":"B","email":"b@example.com")") + "]}")
                           .body);
  ASSERT_EQ(doc["success"].Size(), 2u);
  EXPECT_STREQ(doc["success"][0]["name"].GetString(), "B");
  EXPECT_STREQ(doc["success"][1]["_id"].GetString(), id.c_str());
}

TEST_F(BulkInitiateTest, RequestLevelErrorsHaveExactBodiesAndWriteNothing) {
  struct Case {
    std::string body;
    int status;
    std::string response;
  };
  const std::string good = Lead(R"("name":"A","email":"a@example.com")");
  const std::string no_project = R"({"processId":")" + process_id_ + R"(","name":"B"})";
  const std::string wrong_project =
      R"({"projectId":"0123456789abcdef01234567","processId":")" + process_id_ + R"("})";
  std::string thousand_and_one = "{\"leadIds\":[";
  for (int i = 0; i < 1001; ++i)
    thousand_and_one += (i ? ",\"" : "\"") + std::string(24, 'a') + "\"";
  thousand_and_one += "]}";
  const Case cases[] = {
      {"{\"leads\":[", 400, R"({"error":"Invalid JSON body"})"},
      {"[1,2]", 400, R"({"error":"Invalid JSON body"})"},
      {"", 400, R"({"error":"Invalid JSON body"})"},
      {"{}", 400, R"({"error":"Either leadIds or leads array is required"})"},
      {R"({"leads":null})", 400, R"({"error":"Either leadIds or leads array is required"})"},
      {R"({"leads":{}})", 400, R"({"error":"Input must be an array"})"},
      {R"({"leadIds":"abc"})", 400, R"({"error":"Input must be an array"})"},
      {R"({"leads":[],"init":"yes"})", 400, R"({"error":"init must be a boolean"})"},
      {thousand_and_one, 400, R"({"error":"Maximum of 1000 leads allowed per request"})"},
      {"{\"leads\":[" + good + "," + no_project + "," + wrong_project + "]}", 403,
       R"({"error":"Some leads have missing or invalid projectId","invalidLeads":[{"data":)" +
           no_project + R"(,"error":"missing projectId","index":1},{"data":)" + wrong_project +
           R"(,"error":"projectId does not match authenticated project","index":2}]})"},
      {"{\"leads\":[" + good + R"(,{"projectId":")" + project_id_ +
           R"(","processId":"0123456789abcdef01234567","name":"C"}]})",
       404, R"({"error":"Process not found for lead with processId: 0123456789abcdef01234567"})"},
      {"{\"leads\":[" + good + R"(,{"projectId":")" + project_id_ + R"(","name":"C"}]})", 404,
       R"({"error":"Process not found for lead with processId: undefined"})"},
  };
  for (const auto& c : cases) {
    const auto res = Bulk(c.body);
    EXPECT_EQ(res.status, c.status) << c.body.substr(0, 200);
    EXPECT_EQ(res.body, c.response) << c.body.substr(0, 200);
  }
  EXPECT_EQ(StoredLeads(), 0);
}

TEST_F(BulkInitiateTest, ExactlyTheLimitIsAccepted) {
  std::string body = "{\"leads\":[";
  for (int i = 0; i < 1000; ++i) {
    if (i) body += ",";
    body += Lead("\"name\":\"Lead " + std::to_string(i) + "\",\"email\":\"lead" +
                 std::to_string(i) + "@example.com\"");
  }
  body += "]}";
  const auto res = Bulk(body);
  ASSERT_EQ(res.status, 200);
  auto doc = ParseJson(res.body);
  EXPECT_EQ(doc["success"].Size(), 1000u);
  EXPECT_EQ(doc["errors"].Size(), 0u);
  EXPECT_EQ(StoredLeads(), 1000);
}

TEST_F(BulkInitiateTest, WrongTypesAndUnicodeAreHandledPerLead) {
  const std::string typed = Lead(R"("name":"A","phone":4155552671)");
  const std::string meta = Lead(R"("name":"B","email":"b@example.com","metadata":"x")");
  const std::string unicode = Lead(
      R"("name":"Zoë \u00c5ngström","email":"zoe@example.com","metadata":{"note":"caf\u00e9 ☕"})");
  const auto res = Bulk("{\"leads\":[" + typed + "," + meta + "," + unicode + "]}");
  ASSERT_EQ(res.status, 200);
  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["errors"].Size(), 2u);
  EXPECT_STREQ(doc["errors"][0]["error"].GetString(), "phone must be a string");
  EXPECT_STREQ(doc["errors"][0]["code"].GetString(), "invalid_type");
  EXPECT_STREQ(doc["errors"][1]["error"].GetString(), "metadata must be an object");
  ASSERT_EQ(doc["success"].Size(), 1u);
  EXPECT_STREQ(doc["success"][0]["name"].GetString(), "Zoë Ångström");
  EXPECT_STREQ(doc["success"][0]["firstName"].GetString(), "Zoë");
  // Escapes in metadata are kept as submitted.
  EXPECT_NE(res.body.find(R"("metadata":{"note":"caf\u00e9 ☕"})"), std::string::npos) << res.body;
}

TEST_F(BulkInitiateTest, MetadataLimits) {
  std::string deep = "{}";
  for (int i = 0; i < 8; ++i) deep = "{\"a\":" + deep + "}";  // depth 9
  std::string ok_deep = "{}";
  for (int i = 0; i < 7; ++i) ok_deep = "{\"a\":" + ok_deep + "}";  // depth 8
  const std::string big = "{\"x\":\"" + std::string(16400, 'y') + "\"}";
  const auto res =
      Bulk("{\"leads\":[" + Lead(R"("name":"A","email":"a@example.com","metadata":)" + deep) + "," +
           Lead(R"("name":"B","email":"b@example.com","metadata":)" + big) + "," +
           Lead(R"("name":"C","email":"c@example.com","metadata":)" + ok_deep) + "]}");
  ASSERT_EQ(res.status, 200);
  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["errors"].Size(), 2u);
  EXPECT_STREQ(doc["errors"][0]["error"].GetString(), "metadata nesting exceeds depth 8");
  EXPECT_STREQ(doc["errors"][0]["code"].GetString(), "metadata_too_large");
  EXPECT_STREQ(doc["errors"][1]["error"].GetString(), "metadata exceeds 16384 bytes");
  EXPECT_EQ(doc["success"].Size(), 1u);
}

// The upstream docs' request shapes: a bare 10-digit national number with no country code, no
// init (defaults to true), no groupId.
TEST_F(BulkInitiateTest, UpstreamExampleRequestShape) {
  const auto res =
      Bulk(R"({"leads":[{"projectId":")" + project_id_ + R"(","processId":")" + process_id_ +
           R"(","firstName":"John","lastName":"Doe","email":"john@example.com",)"
           R"("phone":"8888833333","referenceId":"AB123456789","metadata":{"source":"web"}}]})");
  ASSERT_EQ(res.status, 200);
  auto doc = ParseJson(res.body);
  ASSERT_EQ(doc["success"].Size(), 1u) << res.body;
  EXPECT_STREQ(doc["success"][0]["phone"].GetString(), "+18888833333");
  EXPECT_STREQ(doc["success"][0]["name"].GetString(), "John Doe");
  EXPECT_STREQ(doc["success"][0]["currentState"].GetString(), "initialized");
}

}  // namespace
}  // namespace leadgate::testing

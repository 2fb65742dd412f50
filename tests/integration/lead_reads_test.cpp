// GET /leads/get, POST /leads/query and POST /leads/update against a real server.
#include <gtest/gtest.h>

#include <set>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

class LeadReadsTest : public LeadgateTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    return {"--rate-limit-requests", "0"};  // these tests send many requests
  }

  ClientResponse Get(const std::string& query, const std::string& key = "<default>") {
    HttpClient client;
    EXPECT_TRUE(client.Connect(port()).has_value());
    auto res = client.Send("GET", "/api/v1/leads/get" + query,
                           {{"Authorization", "Bearer " + (key == "<default>" ? api_key_ : key)}});
    EXPECT_TRUE(res.has_value());
    return res ? *res : ClientResponse{};
  }
  ClientResponse Query(const std::string& body) { return Post("/api/v1/leads/query", body); }
  ClientResponse Update(const std::string& body) { return Post("/api/v1/leads/update", body); }

  // Creates one lead and returns its id.
  std::string Create(const std::string& fields, const std::string& extra = "") {
    auto doc = ParseJson(Bulk("{" + extra + "\"leads\":[" + Lead(fields) + "]}").body);
    EXPECT_EQ(doc["success"].Size(), 1u);
    return doc["success"].Size() ? doc["success"][0]["_id"].GetString() : "";
  }
};

TEST_F(LeadReadsTest, GetByIdReturnsTheLeadWithItsTimeline) {
  const std::string id =
      Create(R"("name":"Jane Doe","phone":"+14155552671","referenceId":"crm-1","groupId":"g")");
  const auto res = Get("?leadId=" + id);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = ParseJson(res.body);
  EXPECT_TRUE(doc["success"].GetBool());
  const auto& data = doc["data"];
  EXPECT_STREQ(data["_id"].GetString(), id.c_str());
  EXPECT_STREQ(data["phone"].GetString(), "+14155552671");
  EXPECT_TRUE(data["lastDisposition"].IsNull());
  ASSERT_EQ(data["activities"].Size(), 2u);
  EXPECT_STREQ(data["activities"][0]["type"].GetString(), "initialized");
  EXPECT_STREQ(data["activities"][0]["toState"].GetString(), "initialized");
  EXPECT_STREQ(data["activities"][1]["type"].GetString(), "created");
  EXPECT_STREQ(data["activities"][1]["at"].GetString(), data["createdAt"].GetString());
}

TEST_F(LeadReadsTest, GetByReferenceAndMasked) {
  Create(R"("name":"Jane Doe","phone":"+14155552671","referenceId":"crm-1")");
  const auto res = Get("?referenceId=crm-1&projectId=" + project_id_ + "&processId=" + process_id_ +
                       "&masked=true");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_STREQ(ParseJson(res.body)["data"]["phone"].GetString(), "+*******2671");
}

TEST_F(LeadReadsTest, GetErrorsAndIsolation) {
  const std::string id = Create(R"("name":"A","email":"a@example.com","referenceId":"r")");
  const std::string other = Admin(db_, {"project", "create", "--name", "other"});
  const std::string other_key = JsonField(other, "apiKey");
  struct Case {
    std::string query;
    std::string key;
    int status;
    std::string body;
  };
  const Case cases[] = {
      {"", "<default>", 400,
       R"({"success":false,"error":"Either leadId or referenceId is required"})"},
      {"?referenceId=r", "<default>", 400,
       R"({"success":false,"error":"projectId and processId are required when using referenceId"})"},
      {"?referenceId=r&projectId=" + project_id_, "<default>", 400,
       R"({"success":false,"error":"projectId and processId are required when using referenceId"})"},
      {"?leadId=0123456789abcdef01234567", "<default>", 404,
       R"({"success":false,"error":"Lead with ID 0123456789abcdef01234567 not found"})"},
      {"?leadId=nope", "<default>", 404,
       R"({"success":false,"error":"Lead with ID nope not found"})"},
      {"?referenceId=zz&projectId=" + project_id_ + "&processId=" + process_id_, "<default>", 404,
       R"({"success":false,"error":"Lead with referenceId zz not found"})"},
      // Another project's key sees nothing, by id or by reference.
      {"?leadId=" + id, other_key, 404,
       R"({"success":false,"error":"Lead with ID )" + id + R"( not found"})"},
      {"?referenceId=r&projectId=" + project_id_ + "&processId=" + process_id_, other_key, 404,
       R"({"success":false,"error":"Lead with referenceId r not found"})"},
  };
  for (const auto& c : cases) {
    const auto res = Get(c.query, c.key);
    EXPECT_EQ(res.status, c.status) << c.query;
    EXPECT_EQ(res.body, c.body) << c.query;
  }
}

TEST_F(LeadReadsTest, QueryFiltersNormaliseAndRejectBadInput) {
  Create(R"("name":"A","phone":"+14155552671","email":"A@Example.com","groupId":"g1")");
  Create(R"("name":"B","phone":"+14155552672","groupId":"g2")", R"("init":false,)");
  Create(R"("name":"C","email":"c@example.com","groupId":"g1")");
  auto count = [&](const std::string& body) {
    const auto res = Query(body);
    EXPECT_EQ(res.status, 200) << body << " " << res.body;
    return static_cast<int>(ParseJson(res.body)["data"].Size());
  };
  EXPECT_EQ(count("{}"), 3);
  EXPECT_EQ(count(R"({"groupId":"g1"})"), 2);
  EXPECT_EQ(count(R"({"currentState":"created"})"), 1);
  EXPECT_EQ(count(R"({"phone":"(415) 555-2671"})"), 1);
  EXPECT_EQ(count(R"({"email":"a@EXAMPLE.com"})"), 1);
  EXPECT_EQ(count(R"({"processId":")" + process_id_ + R"(","groupId":"g1","limit":1})"), 1);
  EXPECT_EQ(count(R"({"createdFrom":"2000-01-01","createdTo":"2000-12-31T00:00:00Z"})"), 0);
  EXPECT_EQ(count(R"({"createdFrom":"2000-01-01T00:00:00+01:00"})"), 3);
  // Another project's key sees none of them.
  const std::string other_key =
      JsonField(Admin(db_, {"project", "create", "--name", "other"}), "apiKey");
  const auto foreign = Post("/api/v1/leads/query", R"({"groupId":"g1"})", other_key);
  EXPECT_EQ(foreign.status, 200);
  EXPECT_EQ(foreign.body, R"({"success":true,"data":[],"nextCursor":null})");
  // Newest first.
  auto doc = ParseJson(Query("{}").body);
  EXPECT_STREQ(doc["data"][0]["name"].GetString(), "C");
  EXPECT_TRUE(doc["nextCursor"].IsNull());

  struct Case {
    std::string body;
    std::string error;
  };
  const Case cases[] = {
      {"{", "Invalid JSON body"},
      {R"({"limit":0})", "limit must be an integer from 1 to 1000"},
      {R"({"limit":1001})", "limit must be an integer from 1 to 1000"},
      {R"({"limit":"5"})", "limit must be an integer from 1 to 1000"},
      {R"({"groupId":5})", "groupId must be a string"},
      {R"({"currentState":"happy"})",
       "currentState must be one of created, initialized, scheduled, succeeded, failed, "
       "max_attempts_reached, in_call"},
      {R"({"createdFrom":"yesterday"})", "createdFrom must be an ISO 8601 date or time"},
      {R"({"phone":"12"})", "phone is not a valid phone number"},
      {R"({"cursor":"abc"})", "cursor is invalid"},
      {R"({"procesId":"x"})", "Unknown field: procesId"},
  };
  for (const auto& c : cases) {
    const auto res = Query(c.body);
    EXPECT_EQ(res.status, 400) << c.body;
    EXPECT_EQ(res.body, R"({"success":false,"error":")" + c.error + "\"}") << c.body;
  }
}

TEST_F(LeadReadsTest, PaginationSeesEveryLeadOnceWhileInsertsContinue) {
  std::set<std::string> original;
  auto insert = [&](int from, int n, bool remember) {
    std::string body = "{\"leads\":[";
    for (int i = from; i < from + n; ++i) {
      body += (i > from ? "," : "") +
              Lead("\"name\":\"L\",\"email\":\"p" + std::to_string(i) + "@example.com\"");
    }
    body += "]}";
    auto doc = ParseJson(Bulk(body).body);
    ASSERT_EQ(doc["success"].Size(), static_cast<unsigned>(n));
    if (!remember) return;
    for (const auto& lead : doc["success"].GetArray()) original.insert(lead["_id"].GetString());
  };
  insert(0, 1000, true);
  insert(1000, 1000, true);
  insert(2000, 500, true);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  int fresh = 3000;
  do {
    const std::string body =
        cursor.empty() ? R"({"limit":1000})" : R"({"limit":1000,"cursor":")" + cursor + "\"}";
    auto doc = ParseJson(Query(body).body);
    for (const auto& lead : doc["data"].GetArray()) {
      EXPECT_TRUE(seen.insert(lead["_id"].GetString()).second) << "seen twice";
      EXPECT_TRUE(original.count(lead["_id"].GetString())) << "a lead inserted during the walk";
    }
    cursor = doc["nextCursor"].IsNull() ? "" : doc["nextCursor"].GetString();
    ++pages;
    insert(fresh, 100, false);  // new leads arrive between pages
    fresh += 100;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(seen, original);
  EXPECT_EQ(pages, 3);
}

TEST_F(LeadReadsTest, UpdateMergesMetadataRenamesAndRecordsTheTimeline) {
  const std::string id = Create(
      R"("name":"Jane Doe","email":"j@example.com","metadata":{"plan":"gold","keep":1,"drop":true})");
  const auto res =
      Update(R"({"leadId":")" + id +
             R"(","name":"Janet  Smith","metadata":{"plan":"platinum","drop":null,"new":[1]},)"
             R"("targetState":"succeeded","disposition":"Interested","userId":"u-7"})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = ParseJson(res.body);
  EXPECT_TRUE(doc["success"].GetBool());
  EXPECT_STREQ(doc["message"].GetString(), "Lead updated");
  EXPECT_EQ(std::string(doc["updateId"].GetString()).size(), 24u);
  const auto& data = doc["data"];
  EXPECT_STREQ(data["name"].GetString(), "Janet  Smith");
  EXPECT_STREQ(data["firstName"].GetString(), "Janet");
  EXPECT_STREQ(data["lastName"].GetString(), "Smith");
  EXPECT_STREQ(data["currentState"].GetString(), "succeeded");
  EXPECT_TRUE(data["nextAttemptAt"].IsNull());
  EXPECT_NE(res.body.find(R"("metadata":{"plan":"platinum","keep":1,"new":[1]})"),
            std::string::npos)
      << res.body;

  auto detail = ParseJson(Get("?leadId=" + id).body);
  EXPECT_STREQ(detail["data"]["lastDisposition"].GetString(), "Interested");
  const auto& timeline = detail["data"]["activities"];
  ASSERT_EQ(timeline.Size(), 4u);
  EXPECT_STREQ(timeline[0]["type"].GetString(), "state_changed");
  EXPECT_STREQ(timeline[0]["fromState"].GetString(), "initialized");
  EXPECT_STREQ(timeline[0]["toState"].GetString(), "succeeded");
  EXPECT_STREQ(timeline[0]["disposition"].GetString(), "Interested");
  EXPECT_STREQ(timeline[0]["userId"].GetString(), "u-7");
  EXPECT_STREQ(timeline[1]["type"].GetString(), "updated");
  EXPECT_STREQ(timeline[1]["userId"].GetString(), "u-7");
  ASSERT_EQ(timeline[1]["fields"].Size(), 4u);
  EXPECT_STREQ(timeline[1]["fields"][0].GetString(), "name");
  EXPECT_STREQ(timeline[1]["fields"][1].GetString(), "metadata.plan");
}

TEST_F(LeadReadsTest, UpdateWithoutMetadataMergesTopLevelFieldsByReference) {
  Create(R"("name":"A","email":"a@example.com","referenceId":"r1")");
  const auto res = Update(R"({"referenceId":"r1","projectId":")" + project_id_ +
                          R"(","processId":")" + process_id_ + R"(","score":7,"note":"hi"})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(R"("metadata":{"score":7,"note":"hi"})"), std::string::npos) << res.body;
}

TEST_F(LeadReadsTest, UpdateErrorsWriteNothing) {
  const std::string id = Create(R"("name":"A","email":"a@example.com")");
  const std::string other_key =
      JsonField(Admin(db_, {"project", "create", "--name", "other"}), "apiKey");
  struct Case {
    std::string body;
    int status;
    std::string error;
  };
  const std::string big = std::string(17000, 'x');
  const Case cases[] = {
      {"{", 400, "Invalid JSON body"},
      {R"({"name":"X"})", 400, "Either leadId or referenceId is required"},
      {R"({"referenceId":"r"})", 400,
       "projectId and processId are required when using referenceId"},
      {R"({"leadId":")" + id + R"(","metadata":{"a":1},"typo":2})", 400, "Unknown field: typo"},
      {R"({"leadId":")" + id + R"(","phone":"+14155550000"})", 400,
       "phone cannot be changed through update"},
      {R"({"leadId":")" + id + R"(","targetState":"in_call"})", 400,
       "targetState must be one of created, initialized, scheduled, succeeded, failed, "
       "max_attempts_reached"},
      {R"({"leadId":")" + id + R"(","metadata":{"big":")" + big + R"("}})", 400,
       "metadata exceeds 16384 bytes"},
      {R"({"leadId":"0123456789abcdef01234567","name":"X"})", 404,
       "Lead with ID 0123456789abcdef01234567 not found"},
  };
  for (const auto& c : cases) {
    const auto res = Update(c.body);
    EXPECT_EQ(res.status, c.status) << c.body.substr(0, 100);
    EXPECT_EQ(res.body, R"({"success":false,"error":")" + c.error + "\"}") << c.body.substr(0, 100);
  }
  const auto foreign =
      Post("/api/v1/leads/update", R"({"leadId":")" + id + R"(","name":"X"})", other_key);
  EXPECT_EQ(foreign.status, 404);
  // Nothing above changed the lead or its timeline.
  auto detail = ParseJson(Get("?leadId=" + id).body);
  EXPECT_STREQ(detail["data"]["name"].GetString(), "A");
  EXPECT_EQ(detail["data"]["activities"].Size(), 2u);
}

TEST_F(LeadReadsTest, UpdateIsRefusedWhileTheLeadIsInACall) {
  const std::string id = Create(R"("name":"A","email":"a@example.com")");
  {
    // What a dialer's claim does; there is no dialer API yet, so the test sets it directly.
    auto store = OpenTestStore();
    ASSERT_TRUE(store);
    auto claimed = store->UpdateLead(project_id_, id, [](const core::Lead& lead) {
      core::LeadMutation m{lead, {}};
      m.lead.state = core::LeadState::kInCall;
      return core::Result<core::LeadMutation>(m);
    });
    ASSERT_TRUE(claimed.has_value());
  }
  const auto res = Update(R"({"leadId":")" + id + R"(","name":"B"})");
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(
      res.body,
      R"({"success":false,"error":"Lead update is not allowed while a call is in progress for this lead"})");
}

}  // namespace
}  // namespace leadgate::testing

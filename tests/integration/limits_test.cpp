// Rate limiting, duplicate-abuse blocking and Idempotency-Key against a real server.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

constexpr char kRateLimited[] = R"({"success":false,"error":"Rate limit exceeded"})";
constexpr char kBlocked[] =
    R"({"success":false,"error":"API key temporarily blocked due to repeated duplicate submissions"})";

// 100 requests per 1000 s: one slot returns every 10 s, so a burst test is exact however slow
// the machine (the default 100 per 5 s returns one every 50 ms).
class RateLimitTest : public LeadgateTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    return {"--rate-limit-requests", "100", "--rate-limit-period-ms", "1000000"};
  }
};

TEST_F(RateLimitTest, BurstOf101LetsExactly100Through) {
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  const HeaderList headers = {{"Authorization", "Bearer " + api_key_},
                              {"Content-Type", "application/json"}};
  for (int i = 0; i < 100; ++i) {
    auto res = client.Send("POST", "/api/v1/leads/bulk/initiate", headers, "{\"leads\":[]}");
    ASSERT_TRUE(res.has_value());
    ASSERT_EQ(res->status, 200) << i;
    EXPECT_EQ(res->Header("RateLimit-Policy"), "\"project\";q=100;w=1000");
    EXPECT_EQ(res->Header("RateLimit"),
              "\"project\";r=" + std::to_string(99 - i) + ";t=" + std::to_string((i + 1) * 10));
  }
  auto limited = client.Send("POST", "/api/v1/leads/bulk/initiate", headers, "{\"leads\":[]}");
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->body, kRateLimited);
  EXPECT_EQ(limited->Header("Retry-After"), "10");
  EXPECT_EQ(limited->Header("RateLimit-Policy"), "\"project\";q=100;w=1000");
  EXPECT_EQ(limited->Header("RateLimit"), "\"project\";r=0;t=1000");

  // The single-lead route shares the project's budget; /keys/self is not limited.
  EXPECT_EQ(Single("{}").status, 429);
  auto self = client.Send("GET", "/api/v1/keys/self", {{"Authorization", "Bearer " + api_key_}});
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->status, 200);
}

TEST_F(RateLimitTest, ProjectOverrideAndIsolation) {
  Admin(db_, {"project", "set-limit", "--project", project_id_, "--requests", "2", "--per-seconds",
              "100"});
  const std::string other = Admin(db_, {"project", "create", "--name", "other"});
  for (int i = 0; i < 2; ++i) EXPECT_EQ(Bulk("{\"leads\":[]}").status, 200);
  const auto limited = Bulk("{\"leads\":[]}");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("RateLimit-Policy"), "\"project\";q=2;w=100");
  EXPECT_EQ(limited.Header("Retry-After"), "50");
  // Another project is untouched.
  EXPECT_EQ(
      Post("/api/v1/leads/bulk/initiate", "{\"leads\":[]}", JsonField(other, "apiKey")).status,
      200);
}

class DuplicateBlockTest : public LeadgateTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--dup-block-ms", "1500"}; }
  std::string KeySelf() {
    HttpClient client;
    EXPECT_TRUE(client.Connect(port()).has_value());
    auto res = client.Send("GET", "/api/v1/keys/self", {{"Authorization", "Bearer " + api_key_}});
    EXPECT_TRUE(res.has_value());
    return res ? res->body : "";
  }
  std::string key_id() const { return api_key_.substr(3, 24); }
};

TEST_F(DuplicateBlockTest, SixthDuplicateSubmissionBlocksTheKeyUntilItExpires) {
  const std::string batch = "{\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "," +
                            Lead(R"("name":"B","email":"b@example.com")") + "]}";
  ASSERT_EQ(ParseJson(Bulk(batch).body)["success"].Size(), 2u);  // not a strike
  for (int i = 1; i <= 6; ++i) {
    const auto res = Bulk(batch);
    ASSERT_EQ(res.status, 200) << i;  // the striking request itself is answered normally
    EXPECT_EQ(ParseJson(res.body)["errors"].Size(), 2u);
  }
  auto self = ParseJson(KeySelf());
  EXPECT_EQ(self["strikes"].GetInt(), 6);
  EXPECT_TRUE(self["blockedUntil"].IsString());
  EXPECT_STREQ(self["keyId"].GetString(), key_id().c_str());

  // Blocked: every request with this key, even a clean one, until the block ends.
  const auto blocked = Bulk("{\"leads\":[" + Lead(R"("name":"C","email":"c@example.com")") + "]}");
  EXPECT_EQ(blocked.status, 429);
  EXPECT_EQ(blocked.body, kBlocked);
  EXPECT_EQ(blocked.Header("Retry-After"), "2");
  auto status = ParseJson(Admin(db_, {"key", "status", "--key-id", key_id()}));
  EXPECT_EQ(status["strikes"].GetInt(), 6);
  EXPECT_TRUE(status["blockedUntil"].IsString());

  // Another key of the same project is not blocked.
  const std::string other_key =
      JsonField(Admin(db_, {"key", "create", "--project", project_id_}), "apiKey");
  EXPECT_EQ(Post("/api/v1/leads/bulk/initiate", "{\"leads\":[]}", other_key).status, 200);

  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  EXPECT_EQ(Bulk("{\"leads\":[" + Lead(R"("name":"C","email":"c@example.com")") + "]}").status,
            200);
}

TEST_F(DuplicateBlockTest, UnblockFromTheCommandLine) {
  const std::string batch = "{\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "]}";
  ASSERT_EQ(Bulk(batch).status, 200);
  for (int i = 0; i < 6; ++i) ASSERT_EQ(Bulk(batch).status, 200);
  ASSERT_EQ(Bulk(batch).status, 429);
  auto unblocked = ParseJson(Admin(db_, {"key", "unblock", "--key-id", key_id()}));
  EXPECT_EQ(unblocked["strikes"].GetInt(), 0);
  EXPECT_TRUE(unblocked["blockedUntil"].IsNull());
  EXPECT_EQ(Bulk("{\"leads\":[]}").status, 200);
}

TEST_F(DuplicateBlockTest, HonestBatchesWithFewCollisionsNeverStrike) {
  ASSERT_EQ(Bulk("{\"leads\":[" + Lead(R"("name":"A","email":"a@example.com")") + "]}").status,
            200);
  for (int i = 0; i < 8; ++i) {
    // One duplicate out of three: below half.
    const std::string batch =
        "{\"leads\":[" + Lead(R"("name":"A","email":"a@example.com")") + "," +
        Lead("\"name\":\"N\",\"email\":\"n" + std::to_string(i) + "@example.com\"") + "," +
        Lead("\"name\":\"M\",\"email\":\"m" + std::to_string(i) + "@example.com\"") + "]}";
    ASSERT_EQ(Bulk(batch).status, 200);
  }
  EXPECT_EQ(ParseJson(KeySelf())["strikes"].GetInt(), 0);
}

TEST_F(DuplicateBlockTest, DryRunsAndReplaysNeverStrike) {
  const std::string batch = "{\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "]}";
  ASSERT_EQ(Bulk(batch).status, 200);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Bulk(batch, "?dryRun=true").status, 200);
  EXPECT_EQ(ParseJson(KeySelf())["strikes"].GetInt(), 0);

  const HeaderList headers = {{"Authorization", "Bearer " + api_key_},
                              {"Content-Type", "application/json"},
                              {"Idempotency-Key", "retry-me"}};
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  for (int i = 0; i < 10; ++i) {
    auto res = client.Send("POST", "/api/v1/leads/bulk/initiate", headers, batch);
    ASSERT_TRUE(res.has_value());
    ASSERT_EQ(res->status, 200);
  }
  EXPECT_EQ(ParseJson(KeySelf())["strikes"].GetInt(), 1);  // the first run only
}

class IdempotencyTest : public LeadgateTest {
 protected:
  ClientResponse Send(const std::string& key, const std::string& body,
                      const std::string& query = "") {
    HttpClient client;
    EXPECT_TRUE(client.Connect(port()).has_value());
    auto res = client.Send("POST", "/api/v1/leads/bulk/initiate" + query,
                           {{"Authorization", "Bearer " + api_key_},
                            {"Content-Type", "application/json"},
                            {"Idempotency-Key", key}},
                           body);
    EXPECT_TRUE(res.has_value());
    return res ? *res : ClientResponse{};
  }
};

TEST_F(IdempotencyTest, ReplayIsByteForByteAndSurvivesARestart) {
  // Five leads: an answer of a few KiB, so the stored copy is the compressed form.
  std::string body = "{\"leads\":[";
  for (int i = 0; i < 5; ++i) {
    body += (i ? "," : "") + Lead("\"name\":\"A\",\"phone\":\"+1415555267" + std::to_string(i) +
                                  "\",\"metadata\":{\"n\":\"caf\\u00e9\"}");
  }
  body += "]}";
  const auto first = Send("k-1", body);
  ASSERT_EQ(first.status, 200);
  EXPECT_FALSE(first.Header("Idempotent-Replayed"));
  const auto replay = Send("k-1", body);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(replay.Header("Idempotent-Replayed"), "true");

  EXPECT_EQ(server_->Stop(), 0);
  StartServer();
  const auto after_restart = Send("k-1", body);
  EXPECT_EQ(after_restart.body, first.body);
  EXPECT_EQ(after_restart.Header("Idempotent-Replayed"), "true");
  // The same body under a new key really runs: the leads are duplicates now.
  EXPECT_EQ(ParseJson(Send("k-2", body).body)["errors"].Size(), 5u);
}

TEST_F(IdempotencyTest, SameKeyWithAnotherBodyOrQueryIs422) {
  const std::string body = "{\"leads\":[" + Lead(R"("name":"A","email":"a@example.com")") + "]}";
  ASSERT_EQ(Send("k", body).status, 200);
  const auto other = Send("k", "{\"leads\":[]}");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.body, R"({"error":"Idempotency-Key reused with a different request body"})");
  EXPECT_EQ(Send("k", body, "?dryRun=true").status, 422);
}

TEST_F(IdempotencyTest, ClientErrorsAreStoredTooAndBadKeysAre400) {
  const auto bad = Send("k", "{nope");
  EXPECT_EQ(bad.status, 400);
  const auto again = Send("k", "{nope");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  const auto too_long = Send(std::string(256, 'k'), "{\"leads\":[]}");
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(too_long.body,
            R"({"error":"Idempotency-Key must be 1 to 255 visible ASCII characters"})");
  EXPECT_EQ(Send(std::string(255, 'k'), "{\"leads\":[]}").status, 200);
}

TEST_F(IdempotencyTest, EightConcurrentRequestsWithOneKeyRunTheWorkOnce) {
  std::string body = "{\"leads\":[";
  for (int i = 0; i < 200; ++i) {
    body += (i ? "," : "") +
            Lead("\"name\":\"L\",\"email\":\"l" + std::to_string(i) + "@example.com\"");
  }
  body += "]}";
  std::vector<ClientResponse> responses(8);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      responses[i] = Send("race", body);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  std::set<std::string> ok_bodies;
  int ok = 0, in_progress = 0;
  for (const auto& r : responses) {
    if (r.status == 200) {
      ++ok;
      ok_bodies.insert(r.body);
    } else {
      EXPECT_EQ(r.status, 409);
      EXPECT_EQ(r.body, R"({"error":"A request with this Idempotency-Key is in progress"})");
      ++in_progress;
    }
  }
  EXPECT_EQ(ok + in_progress, 8);
  EXPECT_GE(ok, 1);
  EXPECT_EQ(ok_bodies.size(), 1u);  // the work ran once; every 200 is that one answer
  EXPECT_EQ(ParseJson(*ok_bodies.begin())["success"].Size(), 200u);
}

}  // namespace
}  // namespace leadgate::testing

namespace leadgate::testing {
namespace {

class NoRateLimitTest : public LeadgateTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--rate-limit-requests", "0"}; }
};

TEST_F(NoRateLimitTest, ZeroSwitchesTheDefaultOffButNotAProjectsOwnLimit) {
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  const HeaderList headers = {{"Authorization", "Bearer " + api_key_},
                              {"Content-Type", "application/json"}};
  for (int i = 0; i < 150; ++i) {
    auto res = client.Send("POST", "/api/v1/leads/bulk/initiate", headers, "{\"leads\":[]}");
    ASSERT_TRUE(res.has_value());
    ASSERT_EQ(res->status, 200) << i;
    EXPECT_FALSE(res->Header("RateLimit"));
  }
  Admin(db_, {"project", "set-limit", "--project", project_id_, "--requests", "1", "--per-seconds",
              "60"});
  EXPECT_EQ(Bulk("{\"leads\":[]}").status, 200);
  EXPECT_EQ(Bulk("{\"leads\":[]}").status, 429);
}

}  // namespace
}  // namespace leadgate::testing

// Authentication, routing and the operations endpoints against a real server.
#include <gtest/gtest.h>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

using AuthAndRoutingTest = LeadgateTest;

constexpr char kInvalidToken[] = R"({"error":"Invalid or missing API token"})";

TEST_F(AuthAndRoutingTest, BadKeysGet401WithChallenge) {
  const std::string body = "{\"leads\":[" + Lead(R"("name":"A","email":"a@example.com")") + "]}";
  // Same key id, wrong secret.
  std::string wrong_secret = api_key_;
  wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';
  const std::string keys[] = {"", "garbage", "lg_0123456789abcdef01234567_" + std::string(64, 'a'),
                              wrong_secret, api_key_ + "x"};
  for (const auto& key : keys) {
    const auto res = Post("/api/v1/leads/bulk/initiate", body, key);
    EXPECT_EQ(res.status, 401) << key;
    EXPECT_EQ(res.body, kInvalidToken);
    EXPECT_EQ(res.Header("WWW-Authenticate"), "Bearer");
  }
  // A scheme other than Bearer.
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  auto basic = client.Send(
      "POST", "/api/v1/leads/initiate",
      {{"Authorization", "Basic " + api_key_}, {"Content-Type", "application/json"}}, "{}");
  ASSERT_TRUE(basic.has_value());
  EXPECT_EQ(basic->status, 401);
}

TEST_F(AuthAndRoutingTest, RevokedKeyStopsWorkingAndOtherKeysDoNot) {
  const std::string second = Admin(db_, {"key", "create", "--project", project_id_});
  const std::string second_key = JsonField(second, "apiKey");
  const std::string body = "{\"leads\":[" + Lead(R"("name":"A","email":"a@example.com")") + "]}";
  EXPECT_EQ(Post("/api/v1/leads/bulk/initiate", body, second_key).status, 200);
  Admin(db_, {"key", "revoke", "--key-id", JsonField(second, "keyId")});
  const auto revoked = Post("/api/v1/leads/bulk/initiate", body, second_key);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.body, kInvalidToken);
  EXPECT_EQ(Post("/api/v1/leads/bulk/initiate", body).status, 200);  // first key still good
}

TEST_F(AuthAndRoutingTest, InactiveProjectGets403) {
  Admin(db_, {"project", "deactivate", "--project", project_id_});
  const auto res = Bulk("{\"leads\":[]}");
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.body, R"({"error":"Project is inactive"})");
  Admin(db_, {"project", "activate", "--project", project_id_});
  EXPECT_EQ(Bulk("{\"leads\":[]}").status, 200);
}

TEST_F(AuthAndRoutingTest, UnknownRoutesWrongMethodsAndContentTypes) {
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  auto not_found = client.Send("GET", "/api/v1/nope");
  ASSERT_TRUE(not_found.has_value());
  EXPECT_EQ(not_found->status, 404);
  EXPECT_EQ(not_found->body, R"({"error":"Not found"})");

  auto wrong_method = client.Send("GET", "/api/v1/leads/bulk/initiate");
  ASSERT_TRUE(wrong_method.has_value());
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->body, R"({"error":"Method not allowed"})");
  EXPECT_EQ(wrong_method->Header("Allow"), "POST");

  for (const char* type : {"text/plain", "", "application/x-www-form-urlencoded"}) {
    const auto res = Post("/api/v1/leads/bulk/initiate", "{\"leads\":[]}", "<default>", type);
    EXPECT_EQ(res.status, 415) << type;
    EXPECT_EQ(res.body, R"({"error":"Content-Type must be application/json"})");
  }
  EXPECT_EQ(Post("/api/v1/leads/bulk/initiate", "{\"leads\":[]}", "<default>",
                 "Application/JSON; charset=utf-8")
                .status,
            200);
}

TEST_F(AuthAndRoutingTest, HealthAndReadiness) {
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  auto health = client.Send("GET", "/healthz");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"ok"})");
  auto ready = client.Send("GET", "/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 200);
  // With Redis (the pg. run) readiness also reports it.
  EXPECT_EQ(ready->body, PostgresBackend() ? R"({"status":"ready","store":"ok","redis":"ok"})"
                                           : R"({"status":"ready"})");
}

TEST_F(AuthAndRoutingTest, MetricsCountResponsesByStatusCode) {
  EXPECT_EQ(Bulk(R"({"leads":[)" + Lead(R"("phone":"+14155552671")") + "]}").status, 200);
  EXPECT_EQ(Post("/api/v1/leads/bulk/initiate", "[]", "lg_nope").status, 401);
  EXPECT_EQ(Post("/api/v1/leads/bulk/initiate", "[]", "lg_nope").status, 401);
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  auto metrics = client.Send("GET", "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics->body.find("# TYPE leadgate_http_responses_total counter\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("leadgate_http_responses_total{code=\"200\"} 1\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("leadgate_http_responses_total{code=\"401\"} 2\n"),
            std::string::npos)
      << metrics->body;
  auto post = client.Send("POST", "/metrics");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 405);
}

}  // namespace
}  // namespace leadgate::testing

#include "http/idempotency_gate.hpp"

#include <gtest/gtest.h>

#include "http/json_error.hpp"
#include "storage/memory_lead_store.hpp"

namespace leadgate::http {
namespace {

namespace bh = boost::beast::http;

Request Post(const std::string& target, const std::string& body, const std::string& key) {
  Request req{bh::verb::post, target, 11};
  req.set("Idempotency-Key", key);
  req.body() = body;
  return req;
}

class IdempotencyGateTest : public ::testing::Test {
 protected:
  core::FakeClock clock_{core::FromUnixMillis(1'795'953'600'000)};
  storage::MemoryLeadStore store_;
  IdempotencyGate gate_{store_, clock_, IdempotencyOptions{}};
};

TEST_F(IdempotencyGateTest, RequestsWithoutTheHeaderAreNotTouched) {
  Request req{bh::verb::post, "/x", 11};
  const auto claim = gate_.Begin(req, "p");
  EXPECT_FALSE(claim.early);
  EXPECT_FALSE(claim.held);
}

TEST_F(IdempotencyGateTest, FirstRunsThenReplays) {
  const Request req = Post("/x", "{}", "k");
  auto claim = gate_.Begin(req, "p");
  ASSERT_TRUE(claim.held);
  ASSERT_FALSE(claim.early);
  gate_.Finish(claim, MakeJsonResponse(11, true, bh::status::ok, R"({"a":1})"));

  auto again = gate_.Begin(req, "p");
  ASSERT_TRUE(again.early);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.early->result_int(), 200u);
  EXPECT_EQ(again.early->body(), R"({"a":1})");
  EXPECT_EQ((*again.early)["Idempotent-Replayed"], "true");
  // Another project may use the same key for something else.
  EXPECT_TRUE(gate_.Begin(req, "q").held);
}

TEST_F(IdempotencyGateTest, ServerErrorsAreNotStoredSoTheRetryRuns) {
  const Request req = Post("/x", "{}", "k");
  auto claim = gate_.Begin(req, "p");
  ASSERT_TRUE(claim.held);
  gate_.Finish(claim, MakeJsonResponse(11, true, bh::status::service_unavailable, "{}"));
  auto retry = gate_.Begin(req, "p");
  EXPECT_TRUE(retry.held);
  EXPECT_FALSE(retry.early);
}

TEST_F(IdempotencyGateTest, InProgressAndMismatch) {
  auto claim = gate_.Begin(Post("/x", "{}", "k"), "p");
  ASSERT_TRUE(claim.held);
  auto concurrent = gate_.Begin(Post("/x", "{}", "k"), "p");
  ASSERT_TRUE(concurrent.early);
  EXPECT_EQ(concurrent.early->result_int(), 409u);
  auto other_body = gate_.Begin(Post("/x", "{ }", "k"), "p");
  ASSERT_TRUE(other_body.early);
  EXPECT_EQ(other_body.early->result_int(), 422u);
  auto other_target = gate_.Begin(Post("/x?dryRun=true", "{}", "k"), "p");
  ASSERT_TRUE(other_target.early);
  EXPECT_EQ(other_target.early->result_int(), 422u);
}

TEST_F(IdempotencyGateTest, BadKeysAreRejected) {
  for (const std::string& key : {std::string(256, 'a'), std::string("has space"),
                                 std::string("tab\there"), std::string("caf\xc3\xa9")}) {
    auto claim = gate_.Begin(Post("/x", "{}", key), "p");
    ASSERT_TRUE(claim.early) << key;
    EXPECT_EQ(claim.early->result_int(), 400u);
    EXPECT_FALSE(claim.held);
  }
}

}  // namespace
}  // namespace leadgate::http

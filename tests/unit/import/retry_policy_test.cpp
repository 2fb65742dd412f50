#include "import/retry_policy.hpp"

#include <gtest/gtest.h>

namespace leadgate::import {
namespace {

using std::chrono::milliseconds;

HttpAnswer Status(int status, std::string body = "", std::optional<std::string> retry_after = {}) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(body);
  a.retry_after = std::move(retry_after);
  return a;
}

const auto kMax = [] { return 0.999999; };
const auto kZero = [] { return 0.0; };

TEST(RetryPolicy, WhichAnswersAreRetried) {
  RetryConfig config;
  const AttemptCounts first;
  EXPECT_EQ(Decide(Status(200), first, config, kMax).verdict, Verdict::kDone);
  HttpAnswer network;
  network.network_error = true;
  network.error = "Connection reset";
  EXPECT_EQ(Decide(network, first, config, kMax).verdict, Verdict::kRetry);
  EXPECT_EQ(Decide(network, first, config, kMax).code, "network_error");
  for (int s : {500, 502, 503, 504}) {
    EXPECT_EQ(Decide(Status(s), first, config, kMax).verdict, Verdict::kRetry) << s;
  }
  const auto in_flight =
      Decide(Status(409, R"({"error":"A request with this Idempotency-Key is in progress"})"),
             first, config, kMax);
  EXPECT_EQ(in_flight.verdict, Verdict::kRetry);
  for (int s : {400, 405, 413, 415, 422}) {
    const auto d = Decide(Status(s, R"({"error":"Invalid JSON body"})"), first, config, kMax);
    EXPECT_EQ(d.verdict, Verdict::kFailChunk) << s;
    EXPECT_EQ(d.code, "http_" + std::to_string(s));
    EXPECT_EQ(d.reason, "HTTP " + std::to_string(s) + ": Invalid JSON body");
  }
  for (int s : {401, 403, 404}) {
    const auto d =
        Decide(Status(s, R"({"error":"Invalid or missing API token"})"), first, config, kMax);
    EXPECT_EQ(d.verdict, Verdict::kStop) << s;
    EXPECT_EQ(d.reason, "HTTP " + std::to_string(s) + ": Invalid or missing API token");
  }
}

TEST(RetryPolicy, RateLimitWaitsForRetryAfter) {
  RetryConfig config;
  const auto d =
      Decide(Status(429, R"({"success":false,"error":"Rate limit exceeded"})", std::string("3")),
             {}, config, kMax);
  EXPECT_EQ(d.verdict, Verdict::kRetry);
  EXPECT_EQ(d.delay, milliseconds(3000));
  // Without Retry-After: the backoff.
  const auto e = Decide(Status(429, "{}"), {}, config, kMax);
  EXPECT_EQ(e.verdict, Verdict::kRetry);
  EXPECT_LE(e.delay, config.base);
  // Its own allowance.
  AttemptCounts many;
  many.rate_limited = config.max_rate_limited - 1;
  EXPECT_EQ(Decide(Status(429, "{}", std::string("1")), many, config, kMax).verdict,
            Verdict::kFailChunk);
}

TEST(RetryPolicy, BlockedKeyStopsTheImport) {
  const auto d = Decide(Status(429,
                               R"({"success":false,"error":"API key temporarily blocked due to )"
                               R"(repeated duplicate submissions"})",
                               std::string("3599")),
                        {}, RetryConfig{}, kMax);
  EXPECT_EQ(d.verdict, Verdict::kStop);
  EXPECT_EQ(d.code, "key_blocked");
  EXPECT_EQ(d.blocked_for, std::chrono::seconds(3599));
}

TEST(RetryPolicy, GivesUpAfterMaxAttempts) {
  RetryConfig config;
  config.max_attempts = 3;
  AttemptCounts counts;
  counts.failures = 1;
  EXPECT_EQ(Decide(Status(503), counts, config, kMax).verdict, Verdict::kRetry);
  counts.failures = 2;
  const auto d = Decide(Status(503, R"({"error":"Service unavailable"})"), counts, config, kMax);
  EXPECT_EQ(d.verdict, Verdict::kFailChunk);
  EXPECT_EQ(d.reason, "gave up after 3 attempts: HTTP 503: Service unavailable");
}

TEST(RetryPolicy, FullJitterBackoffBounds) {
  RetryConfig config;
  config.base = milliseconds(100);
  config.cap = milliseconds(1000);
  EXPECT_EQ(Backoff(1, config, 0.0), milliseconds(0));
  EXPECT_EQ(Backoff(1, config, 0.5), milliseconds(50));
  EXPECT_EQ(Backoff(1, config, 0.999999), milliseconds(99));
  EXPECT_EQ(Backoff(2, config, 0.999999), milliseconds(199));
  EXPECT_EQ(Backoff(4, config, 0.999999), milliseconds(799));
  EXPECT_EQ(Backoff(5, config, 0.999999), milliseconds(999));   // capped
  EXPECT_EQ(Backoff(60, config, 0.999999), milliseconds(999));  // no overflow
  AttemptCounts counts;
  counts.failures = 3;
  EXPECT_EQ(Decide(Status(500), counts, config, kMax).delay, milliseconds(799));
  EXPECT_EQ(Decide(Status(500), counts, config, kZero).delay, milliseconds(0));
}

TEST(RetryPolicy, ParseRetryAfter) {
  EXPECT_EQ(ParseRetryAfter("1"), std::chrono::seconds(1));
  EXPECT_EQ(ParseRetryAfter(" 120 "), std::chrono::seconds(120));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
}

}  // namespace
}  // namespace leadgate::import

#include "import/retry_policy.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

namespace leadgate::import {
namespace {

constexpr std::string_view kBlockedMessage =
    "API key temporarily blocked due to repeated duplicate submissions";

std::string StatusText(const HttpAnswer& a) {
  std::string text = "HTTP " + std::to_string(a.status);
  if (auto e = ErrorText(a.body); !e.empty()) text += ": " + e;
  return text;
}

}  // namespace

std::string ErrorText(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return "";
  std::string_view text;
  if (doc["error"].get_string().get(text) != simdjson::SUCCESS) return "";
  return std::string(text);
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  long long n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 0) return std::nullopt;
  return std::chrono::seconds(std::min<long long>(n, 86'400 * 7));
}

std::chrono::milliseconds Backoff(int failures, const RetryConfig& config, double u01) {
  const int shift = std::clamp(failures - 1, 0, 30);
  const long long bound =
      std::min<long long>(config.cap.count(), config.base.count() * (1LL << shift));
  return std::chrono::milliseconds(
      std::clamp<long long>(static_cast<long long>(u01 * static_cast<double>(bound)), 0, bound));
}

Decision Decide(const HttpAnswer& answer, const AttemptCounts& counts, const RetryConfig& config,
                const std::function<double()>& uniform01) {
  Decision d;
  auto retry_or_fail = [&](std::string code, std::string reason) {
    const int failures = counts.failures + 1;
    if (failures >= config.max_attempts) {
      d.verdict = Verdict::kFailChunk;
      d.code = std::move(code);
      d.reason = "gave up after " + std::to_string(failures) + " attempts: " + reason;
      return d;
    }
    d.verdict = Verdict::kRetry;
    d.code = std::move(code);
    d.reason = std::move(reason);
    d.delay = Backoff(failures, config, uniform01());
    return d;
  };
  if (answer.network_error) return retry_or_fail("network_error", answer.error);
  const int s = answer.status;
  if (s == 200) return d;
  if (s >= 500) return retry_or_fail("http_" + std::to_string(s), StatusText(answer));
  if (s == 409) return retry_or_fail("http_409", StatusText(answer));
  if (s == 429) {
    const auto after = answer.retry_after ? ParseRetryAfter(*answer.retry_after) : std::nullopt;
    if (ErrorText(answer.body) == kBlockedMessage) {
      d.verdict = Verdict::kStop;
      d.code = "key_blocked";
      d.reason = std::string(kBlockedMessage);
      d.blocked_for = after.value_or(std::chrono::seconds(0));
      return d;
    }
    if (counts.rate_limited + 1 >= config.max_rate_limited) {
      d.verdict = Verdict::kFailChunk;
      d.code = "http_429";
      d.reason = "gave up after " + std::to_string(counts.rate_limited + 1) +
                 " rate-limited attempts: " + StatusText(answer);
      return d;
    }
    d.verdict = Verdict::kRetry;
    d.code = "http_429";
    d.reason = StatusText(answer);
    d.delay = after ? std::chrono::duration_cast<std::chrono::milliseconds>(*after)
                    : Backoff(counts.rate_limited + 1, config, uniform01());
    return d;
  }
  if (s == 401 || s == 403 || s == 404) {
    d.verdict = Verdict::kStop;
    d.code = "http_" + std::to_string(s);
    d.reason = StatusText(answer);
    return d;
  }
  d.verdict = Verdict::kFailChunk;
  d.code = "http_" + std::to_string(s);
  d.reason = StatusText(answer);
  return d;
}

}  // namespace leadgate::import

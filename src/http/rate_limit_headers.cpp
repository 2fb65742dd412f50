#include "http/rate_limit_headers.hpp"

#include <string>

#include "http/json_error.hpp"

namespace leadgate::http {
namespace {

namespace bh = boost::beast::http;

}  // namespace

void SetRateLimitHeaders(Response& res, const limits::RateLimit& limit,
                         const limits::RateDecision& decision) {
  const auto window_s = std::max<std::int64_t>(
      1, limits::CeilSeconds(std::chrono::duration_cast<limits::Micros>(limit.period)));
  res.set("RateLimit-Policy",
          "\"project\";q=" + std::to_string(limit.requests) + ";w=" + std::to_string(window_s));
  res.set("RateLimit", "\"project\";r=" + std::to_string(decision.remaining) +
                           ";t=" + std::to_string(limits::CeilSeconds(decision.reset)));
}

Response RateLimitExceeded(const Request& req, const limits::RateLimit& limit,
                           const limits::RateDecision& decision) {
  Response res = FailureReply(req, bh::status::too_many_requests, "Rate limit exceeded");
  res.set(bh::field::retry_after,
          std::to_string(std::max<std::int64_t>(1, limits::CeilSeconds(decision.retry_after))));
  SetRateLimitHeaders(res, limit, decision);
  return res;
}

Response KeyBlocked(const Request& req, std::chrono::milliseconds left) {
  Response res = FailureReply(req, bh::status::too_many_requests,
                              "API key temporarily blocked due to repeated duplicate submissions");
  const auto seconds = (left.count() + 999) / 1000;
  res.set(bh::field::retry_after, std::to_string(std::max<std::int64_t>(1, seconds)));
  return res;
}

}  // namespace leadgate::http

// File: rate_limit_headers.hpp
//
// The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers, structured-field form) and
// the 429 answers of docs/api.md, built in one place.
//
//   RateLimit-Policy: "project";q=100;w=5     100 requests per 5-second window
//   RateLimit: "project";r=42;t=3              42 left; the full quota is back in 3 s
#pragma once

#include <chrono>

#include "http/handler.hpp"
#include "limits/gcra.hpp"

namespace leadgate::http {

void SetRateLimitHeaders(Response& res, const limits::RateLimit& limit,
                         const limits::RateDecision& decision);

// 429 {"success": false, "error": "Rate limit exceeded"} with Retry-After and the headers.
Response RateLimitExceeded(const Request& req, const limits::RateLimit& limit,
                           const limits::RateDecision& decision);

// 429 {"success": false, "error": "API key temporarily blocked due to repeated duplicate
// submissions"} with Retry-After = the time left of the block (whole seconds, rounded up).
Response KeyBlocked(const Request& req, std::chrono::milliseconds left);

}  // namespace leadgate::http

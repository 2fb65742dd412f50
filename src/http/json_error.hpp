// File: json_error.hpp
//
// The one place JSON response and error bodies are framed. Every error a client sees, whether
// produced by the transport (413, 431, 400...) or by the application, goes through
// MakeErrorResponse so the shape is always exactly {"error":"<message>"}.
// Pure functions, thread-safe.
#pragma once

#include <boost/beast/http/status.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/handler.hpp"

namespace leadgate::http {

// A response with `body` (already serialized JSON) as is, Content-Type: application/json,
// Server: leadgate, Content-Length set. `version` is 10 or 11 (use the request's).
Response MakeJsonResponse(unsigned version, bool keep_alive, boost::beast::http::status status,
                          std::string body);

// {"error":"<message>"} with `message` escaped as a JSON string (quotes, backslashes, control
// characters; invalid UTF-8 is passed through byte for byte, so give it valid UTF-8).
Response MakeErrorResponse(unsigned version, bool keep_alive, boost::beast::http::status status,
                           std::string_view message);

// Just the body of MakeErrorResponse: {"error":"<message>"}.
std::string MakeErrorBody(std::string_view message);

// Replies to `req` (its HTTP version and keep-alive) with a JSON body.
Response JsonReply(const Request& req, boost::beast::http::status status, std::string body);
// {"error": message}: the initiate routes' and the transport's error shape.
Response ErrorReply(const Request& req, boost::beast::http::status status,
                    std::string_view message);
// {"success": false, "error": message}: the read routes' and the 429s' shape (upstream uses both).
Response FailureReply(const Request& req, boost::beast::http::status status,
                      std::string_view message);

// The answer to a failed store (or limiter) call: 503 {"error": "Service unavailable"} with
// Retry-After: 1 for kUnavailable (nothing was written, retrying is safe), else 500
// {"error": "Internal server error"}. Logs the internal message; the client never sees it.
Response StoreFailure(const Request& req, const core::Error& error);

}  // namespace leadgate::http

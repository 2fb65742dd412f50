#include "http/json_error.hpp"

#include <boost/beast/http/field.hpp>
#include <utility>

#include "api/response_json.hpp"
#include "http/log.hpp"

namespace leadgate::http {

namespace bhttp = boost::beast::http;

Response MakeJsonResponse(unsigned version, bool keep_alive, bhttp::status status,
                          std::string body) {
  Response res{status, version};
  res.set(bhttp::field::server, "leadgate");
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string MakeErrorBody(std::string_view message) { return api::EncodeError(message); }

Response MakeErrorResponse(unsigned version, bool keep_alive, bhttp::status status,
                           std::string_view message) {
  return MakeJsonResponse(version, keep_alive, status, MakeErrorBody(message));
}

Response JsonReply(const Request& req, bhttp::status status, std::string body) {
  return MakeJsonResponse(req.version(), req.keep_alive(), status, std::move(body));
}

Response ErrorReply(const Request& req, bhttp::status status, std::string_view message) {
  return JsonReply(req, status, api::EncodeError(message));
}

Response FailureReply(const Request& req, bhttp::status status, std::string_view message) {
  return JsonReply(req, status, api::EncodeFailure(message));
}

Response StoreFailure(const Request& req, const core::Error& error) {
  LogError("store", error.ToString());
  if (error.code == core::ErrorCode::kUnavailable) {
    Response res = ErrorReply(req, bhttp::status::service_unavailable, "Service unavailable");
    res.set(bhttp::field::retry_after, "1");
    return res;
  }
  return ErrorReply(req, bhttp::status::internal_server_error, "Internal server error");
}

}  // namespace leadgate::http

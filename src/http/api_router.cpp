#include "http/api_router.hpp"

#include <boost/asio/post.hpp>
#include <exception>

#include "api/response_json.hpp"
#include "http/json_error.hpp"
#include "http/log.hpp"
#include "http/query.hpp"

namespace leadgate::http {
namespace {

namespace bh = boost::beast::http;

constexpr std::string_view kBulkInitiate = "/api/v1/leads/bulk/initiate";
constexpr std::string_view kInitiate = "/api/v1/leads/initiate";

Response Error(const Request& req, bh::status status, std::string_view message) {
  return MakeJsonResponse(req.version(), req.keep_alive(), status, api::EncodeError(message));
}

Response MethodNotAllowed(const Request& req, std::string_view allow) {
  Response res = Error(req, bh::status::method_not_allowed, "Method not allowed");
  res.set(bh::field::allow, std::string(allow));
  return res;
}

// application/json, with or without parameters (charset=utf-8), any letter case.
bool IsJsonContentType(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  constexpr std::string_view kJson = "application/json";
  if (value.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    char c = value[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kJson[i]) return false;
  }
  return true;
}

bool IsGet(const Request& req) {
  return req.method() == bh::verb::get || req.method() == bh::verb::head;
}

}  // namespace

void ApiRouter::Handle(Request&& req, std::function<void(Response&&)> done) {
  // Liveness never waits behind store work.
  if (TargetPath(req.target()) == "/healthz") {
    done(IsGet(req) ? MakeJsonResponse(req.version(), req.keep_alive(), bh::status::ok,
                                       R"({"status":"ok"})")
                    : MethodNotAllowed(req, "GET, HEAD"));
    return;
  }
  boost::asio::post(workers_, [this, req = std::move(req), done = std::move(done)]() mutable {
    Response res;
    try {
      res = Dispatch(req);
    } catch (const std::exception& e) {
      LogError("handler", e.what());
      res = Error(req, bh::status::internal_server_error, "Internal server error");
    }
    done(std::move(res));
  });
}

Response ApiRouter::Dispatch(const Request& req) const {
  const std::string_view path = TargetPath(req.target());
  if (path == "/readyz") {
    if (!IsGet(req)) return MethodNotAllowed(req, "GET, HEAD");
    if (auto ping = store_.Ping(); !ping) {
      LogError("readyz", ping.error().ToString());
      return MakeJsonResponse(req.version(), req.keep_alive(), bh::status::service_unavailable,
                              R"({"status":"unavailable"})");
    }
    return MakeJsonResponse(req.version(), req.keep_alive(), bh::status::ok,
                            R"({"status":"ready"})");
  }

  const bool bulk = path == kBulkInitiate;
  if (!bulk && path != kInitiate) return Error(req, bh::status::not_found, "Not found");
  if (req.method() != bh::verb::post) return MethodNotAllowed(req, "POST");

  auto principal = authenticator_.Authenticate(req[bh::field::authorization]);
  if (!principal) {
    switch (principal.error().code) {
      case core::ErrorCode::kUnauthenticated: {
        Response res = Error(req, bh::status::unauthorized, "Invalid or missing API token");
        res.set(bh::field::www_authenticate, "Bearer");
        return res;
      }
      case core::ErrorCode::kPermissionDenied:
        return Error(req, bh::status::forbidden, "Project is inactive");
      default:
        return StoreFailure(req, principal.error());
    }
  }
  if (!IsJsonContentType(req[bh::field::content_type])) {
    return Error(req, bh::status::unsupported_media_type, "Content-Type must be application/json");
  }
  return bulk ? initiate_.Bulk(req, *principal) : initiate_.Single(req, *principal);
}

}  // namespace leadgate::http

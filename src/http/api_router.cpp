#include "http/api_router.hpp"

#include <boost/asio/post.hpp>
#include <exception>

#include "api/response_json.hpp"
#include "http/json_error.hpp"
#include "http/log.hpp"
#include "http/query.hpp"
#include "http/rate_limit_headers.hpp"

namespace leadgate::http {
namespace {

namespace bh = boost::beast::http;

constexpr std::string_view kBulkInitiate = "/api/v1/leads/bulk/initiate";
constexpr std::string_view kInitiate = "/api/v1/leads/initiate";
constexpr std::string_view kKeySelf = "/api/v1/keys/self";
constexpr std::string_view kLeadGet = "/api/v1/leads/get";
constexpr std::string_view kLeadQuery = "/api/v1/leads/query";
constexpr std::string_view kLeadUpdate = "/api/v1/leads/update";

Response MethodNotAllowed(const Request& req, std::string_view allow) {
  Response res = ErrorReply(req, bh::status::method_not_allowed, "Method not allowed");
  res.set(bh::field::allow, allow);
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

// The codes the API answers (docs/api.md); anything else is counted as "other".
constexpr std::array<unsigned, 15> kCountedCodes = {200, 400, 401, 403, 404, 405, 409, 413,
                                                    415, 422, 423, 429, 500, 503, 0};

limits::RateLimit ProjectLimit(const core::Project& project, const limits::RateLimit& fallback) {
  if (!project.rate_limit) return fallback;
  return {project.rate_limit->requests, std::chrono::milliseconds(project.rate_limit->period_ms)};
}

}  // namespace

ApiRouter::ApiRouter(const auth::Authenticator& authenticator, const InitiateHandler& initiate,
                     const LeadHandler& leads, core::LeadStore& store, RouteLimits limits,
                     boost::asio::thread_pool& workers, Observability observability)
    : authenticator_(authenticator),
      initiate_(initiate),
      leads_(leads),
      store_(store),
      limits_(limits),
      workers_(workers),
      observability_(std::move(observability)) {
  if (observability_.metrics == nullptr) return;
  for (std::size_t i = 0; i < kCountedCodes.size(); ++i) {
    const std::string code = kCountedCodes[i] == 0 ? "other" : std::to_string(kCountedCodes[i]);
    responses_[i] = &observability_.metrics->AddCounter(
        "leadgate_http_responses_total", "Responses by status code (health and metrics excluded)",
        "code=\"" + code + "\"");
  }
}

void ApiRouter::CountResponse(unsigned status) const {
  if (observability_.metrics == nullptr) return;
  std::size_t i = 0;
  while (kCountedCodes[i] != 0 && kCountedCodes[i] != status) ++i;
  responses_[i]->Inc();
}

void ApiRouter::Handle(Request&& req, std::function<void(Response&&)> done) {
  // Liveness and metrics never wait behind store work.
  const std::string_view path = TargetPath(req.target());
  if (path == "/healthz") {
    done(IsGet(req) ? MakeJsonResponse(req.version(), req.keep_alive(), bh::status::ok,
                                       R"({"status":"ok"})")
                    : MethodNotAllowed(req, "GET, HEAD"));
    return;
  }
  if (path == "/metrics" && observability_.metrics != nullptr) {
    if (!IsGet(req)) {
      done(MethodNotAllowed(req, "GET, HEAD"));
      return;
    }
    Response res{bh::status::ok, req.version()};
    res.set(bh::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.keep_alive(req.keep_alive());
    res.body() = observability_.metrics->Render();
    res.prepare_payload();
    done(std::move(res));
    return;
  }
  boost::asio::post(workers_, [this, req = std::move(req), done = std::move(done)]() mutable {
    Response res;
    try {
      res = Dispatch(req);
    } catch (const std::exception& e) {
      LogError("handler", e.what());
      res = ErrorReply(req, bh::status::internal_server_error, "Internal server error");
    }
    if (TargetPath(req.target()) != "/readyz") CountResponse(res.result_int());
    done(std::move(res));
  });
}

Response ApiRouter::Ready(const Request& req) const {
  if (!IsGet(req)) return MethodNotAllowed(req, "GET, HEAD");
  if (auto ping = store_.Ping(); !ping) {
    LogError("readyz", ping.error().ToString());
    return MakeJsonResponse(req.version(), req.keep_alive(), bh::status::service_unavailable,
                            R"({"status":"unavailable"})");
  }
  if (observability_.limits_ping) {
    if (auto ping = observability_.limits_ping(); !ping) {
      LogError("readyz", "limits backend: " + ping.error().ToString());
      return MakeJsonResponse(req.version(), req.keep_alive(), bh::status::ok,
                              R"({"status":"degraded","store":"ok","redis":"unavailable"})");
    }
    return MakeJsonResponse(req.version(), req.keep_alive(), bh::status::ok,
                            R"({"status":"ready","store":"ok","redis":"ok"})");
  }
  return MakeJsonResponse(req.version(), req.keep_alive(), bh::status::ok, R"({"status":"ready"})");
}

Response ApiRouter::Dispatch(const Request& req) const {
  const std::string_view path = TargetPath(req.target());
  if (path == "/readyz") return Ready(req);

  Route route;
  if (path == kBulkInitiate) {
    route = Route::kBulkInitiate;
  } else if (path == kInitiate) {
    route = Route::kInitiate;
  } else if (path == kLeadGet) {
    route = Route::kLeadGet;
  } else if (path == kLeadQuery) {
    route = Route::kLeadQuery;
  } else if (path == kLeadUpdate) {
    route = Route::kLeadUpdate;
  } else if (path == kKeySelf) {
    route = Route::kKeySelf;
  } else {
    return ErrorReply(req, bh::status::not_found, "Not found");
  }
  const bool get_route = route == Route::kKeySelf || route == Route::kLeadGet;
  if (get_route ? !IsGet(req) : req.method() != bh::verb::post) {
    return MethodNotAllowed(req, get_route ? "GET, HEAD" : "POST");
  }

  auto principal = authenticator_.Authenticate(req[bh::field::authorization]);
  if (!principal) {
    switch (principal.error().code) {
      case core::ErrorCode::kUnauthenticated: {
        Response res = ErrorReply(req, bh::status::unauthorized, "Invalid or missing API token");
        res.set(bh::field::www_authenticate, "Bearer");
        return res;
      }
      case core::ErrorCode::kPermissionDenied:
        return ErrorReply(req, bh::status::forbidden, "Project is inactive");
      default:
        return StoreFailure(req, principal.error());
    }
  }
  return route == Route::kKeySelf ? KeySelf(req, *principal) : LeadRoute(req, *principal, route);
}

Response ApiRouter::LeadRoute(const Request& req, const auth::Principal& principal,
                              Route route) const {
  // Every authenticated request counts against the project's rate, blocked keys' too: the
  // limit protects the service, whoever is calling.
  const limits::RateLimit limit = ProjectLimit(principal.project, limits_.default_limit);
  std::optional<limits::RateDecision> decision;
  if (limit.requests > 0) {  // 0: limiting switched off (`--rate-limit-requests 0`)
    auto allowed = limits_.limiter.Allow(principal.project.id, limit);
    if (!allowed) return StoreFailure(req, allowed.error());
    if (!allowed->allowed) return RateLimitExceeded(req, limit, *allowed);
    decision = *allowed;
  }

  Response res = [&]() -> Response {
    auto guard = limits_.guard.State(principal.key_id);
    if (!guard) return StoreFailure(req, guard.error());
    if (guard->blocked_until) return KeyBlocked(req, limits_.guard.BlockLeft(*guard));
    if (route == Route::kLeadGet) return leads_.Get(req, principal);  // a GET: no body, no key
    if (!IsJsonContentType(req[bh::field::content_type])) {
      return ErrorReply(req, bh::status::unsupported_media_type,
                        "Content-Type must be application/json");
    }

    const IdempotencyGate::Claim claim = limits_.idempotency.Begin(req, principal.project.id);
    if (claim.early) return *claim.early;  // a replay never strikes
    InitiateResult result = [&]() -> InitiateResult {
      switch (route) {
        case Route::kBulkInitiate:
          return initiate_.Bulk(req, principal);
        case Route::kInitiate:
          return initiate_.Single(req, principal);
        case Route::kLeadQuery:
          return leads_.Query(req, principal);
        default:
          return leads_.Update(req, principal);
      }
    }();
    if (!result.dry_run && limits::IsStrike(result.items, result.duplicates)) {
      if (auto strike = limits_.guard.Strike(principal.key_id); !strike) {
        // The request itself succeeded; losing one strike is better than failing it.
        LogError("duplicate guard", strike.error().ToString());
      }
    }
    limits_.idempotency.Finish(claim, result.response);
    return std::move(result.response);
  }();
  if (decision) SetRateLimitHeaders(res, limit, *decision);
  return res;
}

Response ApiRouter::KeySelf(const Request& req, const auth::Principal& principal) const {
  auto guard = limits_.guard.State(principal.key_id);
  if (!guard) return StoreFailure(req, guard.error());
  return MakeJsonResponse(req.version(), req.keep_alive(), bh::status::ok,
                          api::EncodeKeyStatus(principal.key_id, principal.project.id,
                                               guard->strikes, guard->blocked_until));
}

}  // namespace leadgate::http

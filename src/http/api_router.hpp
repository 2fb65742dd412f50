// File: api_router.hpp
//
// The application's http::Handler: routes a request, answers 404 / 405 / 401 / 403 / 415 / 429
// itself, and runs everything that touches the store on the worker pool, never on an io thread.
//
// A lead route runs: auth -> rate limit (per project) -> key block -> Content-Type ->
// Idempotency-Key claim -> endpoint -> duplicate strike -> store the idempotent response
// (GET /leads/get stops after the key block: it has no body and no key).
#pragma once

#include <array>
#include <boost/asio/thread_pool.hpp>
#include <functional>

#include "auth/authenticator.hpp"
#include "core/lead_store.hpp"
#include "core/metrics.hpp"
#include "http/handler.hpp"
#include "http/idempotency_gate.hpp"
#include "http/initiate_handler.hpp"
#include "http/lead_handler.hpp"
#include "limits/duplicate_guard.hpp"
#include "limits/rate_limiter.hpp"

namespace leadgate::http {

// The protections every lead route shares.
struct RouteLimits {
  limits::RateLimiter& limiter;
  limits::RateLimit default_limit;  // for projects without their own; 0 requests = no limit
  const limits::DuplicateGuard& guard;
  const IdempotencyGate& idempotency;
};

// What /readyz and /metrics report besides the store.
struct Observability {
  // Registry rendered by GET /metrics; the router adds its response counters to it in its
  // constructor. nullptr: /metrics is 404.
  core::MetricsRegistry* metrics = nullptr;
  // Pings the shared limits backend (Redis), if there is one. Its failure does not make the
  // instance unready: limits fail open (docs/api.md "Redis"), so /readyz stays 200 and says
  // "degraded"; only the store decides readiness.
  std::function<core::Status()> limits_ping;
};

class ApiRouter final : public Handler {
 public:
  // All references must outlive the router; `workers` runs the endpoint work.
  ApiRouter(const auth::Authenticator& authenticator, const InitiateHandler& initiate,
            const LeadHandler& leads, core::LeadStore& store, RouteLimits limits,
            boost::asio::thread_pool& workers, Observability observability = {});

  void Handle(Request&& req, std::function<void(Response&&)> done) override;

  // The synchronous part, run on a worker thread. Public for tests.
  Response Dispatch(const Request& req) const;

 private:
  enum class Route { kBulkInitiate, kInitiate, kLeadGet, kLeadQuery, kLeadUpdate, kKeySelf };

  Response LeadRoute(const Request& req, const auth::Principal& principal, Route route) const;
  Response KeySelf(const Request& req, const auth::Principal& principal) const;
  Response Ready(const Request& req) const;
  void CountResponse(unsigned status) const;

  const auth::Authenticator& authenticator_;
  const InitiateHandler& initiate_;
  const LeadHandler& leads_;
  core::LeadStore& store_;
  RouteLimits limits_;
  boost::asio::thread_pool& workers_;
  Observability observability_;
  // Responses by status code, for the codes this router answers (index: kCountedCodes).
  std::array<core::Counter*, 16> responses_{};
};

}  // namespace leadgate::http

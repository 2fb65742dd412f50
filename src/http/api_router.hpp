// File: api_router.hpp
//
// The application's http::Handler: routes a request, answers 404 / 405 / 401 / 403 / 415 / 429
// itself, and runs everything that touches the store on the worker pool, never on an io thread.
//
// A lead route runs: auth -> rate limit (per project) -> key block -> Content-Type ->
// Idempotency-Key claim -> endpoint -> duplicate strike -> store the idempotent response
// (GET /leads/get stops after the key block: it has no body and no key).
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "auth/authenticator.hpp"
#include "core/lead_store.hpp"
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

class ApiRouter final : public Handler {
 public:
  // All references must outlive the router; `workers` runs the endpoint work.
  ApiRouter(const auth::Authenticator& authenticator, const InitiateHandler& initiate,
            const LeadHandler& leads, core::LeadStore& store, RouteLimits limits,
            boost::asio::thread_pool& workers)
      : authenticator_(authenticator),
        initiate_(initiate),
        leads_(leads),
        store_(store),
        limits_(limits),
        workers_(workers) {}

  void Handle(Request&& req, std::function<void(Response&&)> done) override;

  // The synchronous part, run on a worker thread. Public for tests.
  Response Dispatch(const Request& req) const;

 private:
  enum class Route { kBulkInitiate, kInitiate, kLeadGet, kLeadQuery, kLeadUpdate, kKeySelf };

  Response LeadRoute(const Request& req, const auth::Principal& principal, Route route) const;
  Response KeySelf(const Request& req, const auth::Principal& principal) const;

  const auth::Authenticator& authenticator_;
  const InitiateHandler& initiate_;
  const LeadHandler& leads_;
  core::LeadStore& store_;
  RouteLimits limits_;
  boost::asio::thread_pool& workers_;
};

}  // namespace leadgate::http

// File: initiate_handler.hpp
//
// POST /api/v1/leads/bulk/initiate and POST /api/v1/leads/initiate: request-level checks 1-3 of
// docs/api.md (JSON, presence, array types), then the IngestService, then the response body.
// Runs on a worker thread (it calls the store); the caller has authenticated the request.
#pragma once

#include "auth/authenticator.hpp"
#include "core/ingest_service.hpp"
#include "http/handler.hpp"

namespace leadgate::http {

// What an initiate request did, beyond its response: the duplicate-abuse accounting needs it.
struct InitiateResult {
  // Early rejections (400 / 403 / 404 / 5xx) processed nothing.
  InitiateResult(Response r) : response(std::move(r)) {}  // NOLINT(google-explicit-constructor)
  InitiateResult(Response r, std::size_t n, std::size_t dups, bool dry)
      : response(std::move(r)), items(n), duplicates(dups), dry_run(dry) {}

  Response response;
  std::size_t items = 0;       // leads + leadIds that were processed (0 if rejected before)
  std::size_t duplicates = 0;  // of those, rejected for a duplicate reason
  bool dry_run = false;
};

class InitiateHandler {
 public:
  explicit InitiateHandler(const core::IngestService& service) : service_(service) {}

  // Thread-safe. Never throws for bad input; store failures become 503 / 500.
  InitiateResult Bulk(const Request& req, const auth::Principal& principal) const;
  InitiateResult Single(const Request& req, const auth::Principal& principal) const;

 private:
  const core::IngestService& service_;
};

}  // namespace leadgate::http

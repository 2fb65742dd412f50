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

class InitiateHandler {
 public:
  explicit InitiateHandler(const core::IngestService& service) : service_(service) {}

  // Thread-safe. Never throws for bad input; store failures become 503 / 500.
  Response Bulk(const Request& req, const auth::Principal& principal) const;
  Response Single(const Request& req, const auth::Principal& principal) const;

 private:
  const core::IngestService& service_;
};

// The response for a failed store or service call: 503 for kUnavailable (retry is safe: nothing
// was written), 500 otherwise. Logs the internal message; the client sees only a fixed text.
Response StoreFailure(const Request& req, const core::Error& error);

}  // namespace leadgate::http

// File: lead_handler.hpp
//
// GET /api/v1/leads/get, POST /api/v1/leads/query and POST /api/v1/leads/update (docs/api.md
// "Reading and changing leads"). Every lookup is scoped to the authenticated key's project: a lead
// of another project is "not found", never visible. Runs on a worker thread.
#pragma once

#include "auth/authenticator.hpp"
#include "core/clock.hpp"
#include "core/lead_store.hpp"
#include "core/object_id.hpp"
#include "core/phone.hpp"
#include "http/handler.hpp"

namespace leadgate::http {

// How many timeline entries GET /leads/get returns (the newest).
inline constexpr std::size_t kMaxActivitiesPerLead = 100;

class LeadHandler {
 public:
  // All references must outlive the handler.
  LeadHandler(core::LeadStore& store, const core::PhoneNumbers& phones, const core::Clock& clock,
              core::ObjectIdGenerator& ids)
      : store_(store), phones_(phones), clock_(clock), ids_(ids) {}

  // Thread-safe. Never throws for bad input; store failures become 503 / 500.
  Response Get(const Request& req, const auth::Principal& principal) const;
  Response Query(const Request& req, const auth::Principal& principal) const;
  Response Update(const Request& req, const auth::Principal& principal) const;

 private:
  core::LeadStore& store_;
  const core::PhoneNumbers& phones_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
};

}  // namespace leadgate::http

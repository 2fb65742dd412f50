// File: ingest_service.hpp
//
// The initiate use case, free of HTTP and JSON: request-level checks 4-6 of docs/api.md, per-lead
// validation, one store transaction, and the per-item outcome in request order.
//
//   IngestService service(store, phones, clock, ids, {});
//   auto outcome = service.Ingest(std::move(request));
//   if (!outcome) ...                    // store failure: nothing was written (5xx)
//   else if (auto* report = std::get_if<IngestReport>(&*outcome)) ...
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/lead.hpp"
#include "core/lead_store.hpp"
#include "core/object_id.hpp"
#include "core/tenancy.hpp"

namespace leadgate::core {

class PhoneNumbers;

// One entry of `leadIds` as sent.
struct LeadIdInput {
  std::string raw_json;              // the JSON value as sent, echoed back in error items
  std::optional<std::string> value;  // set when it was a string
};

struct IngestLimits {
  // Checked against leads + leadIds of one request. Default: 1000 (the upstream limit).
  std::size_t max_leads_per_request = 1000;
};

struct IngestRequest {
  Project project;  // the authenticated key's project
  std::vector<LeadInput> leads;
  std::vector<LeadIdInput> lead_ids;
  bool init = true;
  bool dry_run = false;
};

// Request-level rejections; nothing was written.
struct TooManyLeads {
  std::size_t limit;
};
struct InvalidProjectLead {
  std::size_t index;   // position in request.leads
  std::string reason;  // "missing projectId" | "projectId does not match authenticated project"
};
struct InvalidProjectIds {
  std::vector<InvalidProjectLead> leads;
};
struct ProcessNotFound {
  std::string process_token;  // as the message names it
};

using ItemOutcome = std::variant<Lead, LeadError>;

struct IngestReport {
  std::vector<ItemOutcome> leads;     // one per request.leads, same order
  std::vector<ItemOutcome> lead_ids;  // one per request.lead_ids, same order

  // Items rejected for one of the four duplicate reasons (duplicate-abuse accounting).
  std::size_t DuplicateRejections() const;
  std::size_t ItemCount() const { return leads.size() + lead_ids.size(); }
};

using IngestOutcome = std::variant<IngestReport, TooManyLeads, InvalidProjectIds, ProcessNotFound>;

class IngestService {
 public:
  // All references must outlive the service.
  IngestService(LeadStore& store, const PhoneNumbers& phones, const Clock& clock,
                ObjectIdGenerator& ids, IngestLimits limits)
      : store_(store), phones_(phones), clock_(clock), ids_(ids), limits_(limits) {}

  // Runs the checks of docs/api.md in order: the lead count (TooManyLeads), every lead's
  // projectId (InvalidProjectIds), every lead's processId (ProcessNotFound, the first unknown
  // one), then each lead on its own. Errors are store failures (kUnavailable / kInternal);
  // after one, nothing of the request was written.
  // Thread-safe.
  Result<IngestOutcome> Ingest(const IngestRequest& request) const;

  const IngestLimits& limits() const { return limits_; }

 private:
  LeadStore& store_;
  const PhoneNumbers& phones_;
  const Clock& clock_;
  ObjectIdGenerator& ids_;
  IngestLimits limits_;
};

}  // namespace leadgate::core

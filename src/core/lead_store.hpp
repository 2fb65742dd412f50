// File: lead_store.hpp
//
// The storage interface. The core and the HTTP layer see only this; app/ picks the
// implementation (SQLite by default, PostgreSQL for scale-out). Every implementation must pass
// tests/contract/lead_store_contract_test.cpp.
//
//   auto result = store.Ingest(batch);
//   if (!result) return std::unexpected(result.error());   // kUnavailable: nothing was written
//
// Thread-safety: every method may be called from any thread concurrently.
// Errors: kUnavailable when the database cannot be reached or is busy beyond its timeout,
// kInternal for anything else unexpected; either way a failed call wrote nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/activity.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/idempotency_store.hpp"
#include "core/key_guard_store.hpp"
#include "core/lead.hpp"
#include "core/tenancy.hpp"

namespace leadgate::core {

// One request's writes, applied in one transaction.
struct IngestBatch {
  std::string project_id;
  // Validated, complete leads (id, state, timestamps set), in request order.
  std::vector<Lead> new_leads;
  // Well-formed ObjectIds of existing leads to look up, in request order.
  std::vector<std::string> lead_ids;
  // For lead_ids: a `created` lead becomes `initialized` (updated_at = now, next_attempt_at = now).
  bool init = true;
  // Run every check against the store as it is, then roll back: nothing is written.
  bool dry_run = false;
  TimePoint now{};
};

enum class InsertStatus {
  kInserted,
  kPhoneAlreadyAttempted,  // a call attempt exists for this phone in this project
  kDuplicatePhone,         // same phone, same project and process
  kDuplicateReference,     // same referenceId, same project and process
  kDuplicateEmail,         // same email, same project
};

struct InsertOutcome {
  InsertStatus status = InsertStatus::kInserted;
  std::string existing_lead_id;  // the lead collided with; empty for kInserted

  bool operator==(const InsertOutcome&) const = default;
};

struct IngestBatchResult {
  // One per new_leads entry, same order. Checks run in the order of InsertStatus, the first hit
  // wins. Earlier leads of the same batch count: the second of two equal leads is a duplicate.
  std::vector<InsertOutcome> inserted;
  // One per lead_ids entry, same order: the lead as it is after the batch (init applied), or
  // nullopt when no such lead exists in batch.project_id (other projects' leads are not found).
  std::vector<std::optional<Lead>> found;
};

// The store also keeps Idempotency-Key records and duplicate-abuse state (see those headers),
// so that they survive restarts and are shared by every instance on the same database.
// Keyset position in the newest-first order (created_at desc, id desc): the last lead of a page.
struct LeadCursor {
  TimePoint created_at{};
  std::string id;

  bool operator==(const LeadCursor&) const = default;
};

// POST /leads/query. Every set filter must match (AND). Strings are compared exactly: the caller
// normalises phone (E.164) and email (lower case) first.
struct LeadQuery {
  std::string project_id;
  std::optional<std::string> process_id;
  std::optional<std::string> group_id;
  std::optional<LeadState> state;
  std::optional<std::string> reference_id;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<TimePoint> created_from;  // inclusive
  std::optional<TimePoint> created_to;    // inclusive
  std::optional<LeadCursor> after;        // only leads strictly after this one in the order
  std::size_t limit = 100;
};

// What an update does to a lead: the new row and the timeline entries that record it.
struct LeadMutation {
  Lead lead;
  std::vector<Activity> activities;
};

class LeadStore : public IdempotencyStore, public KeyGuardStore {
 public:
  ~LeadStore() override = default;

  // ---- projects, processes, keys (admin; low rate) ----

  // Stores `project` as given (the caller assigns id and created_at), rate_limit included.
  // kAlreadyExists if the id is taken; kInvalidArgument if rate_limit is set but invalid (as for
  // SetProjectRateLimit).
  virtual Status CreateProject(const Project& project) = 0;
  // kNotFound if there is no such project.
  virtual Result<Project> GetProject(const std::string& project_id) = 0;
  // All projects, oldest first.
  virtual Result<std::vector<Project>> ListProjects() = 0;
  // kNotFound if there is no such project.
  virtual Status SetProjectActive(const std::string& project_id, bool active) = 0;
  // Sets (or, with nullopt, clears) the project's own rate limit. kInvalidArgument unless
  // requests >= 1 and period_ms >= 1 (checked first, whether or not the project exists);
  // kNotFound if there is no such project.
  virtual Status SetProjectRateLimit(const std::string& project_id,
                                     std::optional<ProjectRateLimit> limit) = 0;

  // kNotFound if process.project_id names no project.
  virtual Status CreateProcess(const Process& process) = 0;
  // The project's processes, oldest first (empty for an unknown project).
  virtual Result<std::vector<Process>> ListProcesses(const std::string& project_id) = 0;
  // The process if it exists and belongs to project_id, else nullopt.
  virtual Result<std::optional<Process>> FindProcess(const std::string& project_id,
                                                     const std::string& process_id) = 0;

  // kNotFound if key.project_id names no project; kAlreadyExists if the id is taken.
  virtual Status CreateApiKey(const ApiKeyRecord& key) = 0;
  // The key (revoked ones too), or nullopt.
  virtual Result<std::optional<ApiKeyRecord>> FindApiKey(const std::string& key_id) = 0;
  // kNotFound if there is no such key. Revoking twice is fine.
  virtual Status RevokeApiKey(const std::string& key_id) = 0;

  // ---- leads ----

  // Applies one request atomically: either every insert and init of the batch is durable when
  // this returns a value, or (on error) nothing is. With dry_run nothing is ever written.
  virtual Result<IngestBatchResult> Ingest(const IngestBatch& batch) = 0;

  // The lead if it exists in project_id, else nullopt.
  virtual Result<std::optional<Lead>> GetLead(const std::string& project_id,
                                              const std::string& lead_id) = 0;
  virtual Result<std::int64_t> CountLeads(const std::string& project_id) = 0;

  // The lead with this referenceId in project_id's process_id, or nullopt (also when the process
  // belongs to another project).
  virtual Result<std::optional<Lead>> FindLeadByReference(const std::string& project_id,
                                                          const std::string& process_id,
                                                          const std::string& reference_id) = 0;

  // The lead's timeline, newest first (ties: the later-written first), at most `limit` entries,
  // including the derived `created` / `initialized` entries (see activity.hpp). kNotFound when no
  // such lead exists in project_id.
  virtual Result<std::vector<Activity>> ListActivities(const std::string& project_id,
                                                       const std::string& lead_id,
                                                       std::size_t limit) = 0;

  // Leads matching `query`, newest first by (created_at, id), at most query.limit. Keyset
  // pagination: leads inserted meanwhile never shift a page (a lead created after the first page
  // was read has a later created_at and is simply not part of this walk's remaining pages, unless
  // its created_at is older than the cursor).
  virtual Result<std::vector<Lead>> QueryLeads(const LeadQuery& query) = 0;

  // Read-modify-write of one lead in a single write transaction: reads the lead, calls `mutate`
  // with it, then stores mutation.lead's mutable fields (name, first_name, last_name,
  // metadata_json, state, last_disposition, next_attempt_at, updated_at; never id, project,
  // process, phone, email, reference_id, created_*) and appends mutation.activities, atomically.
  // An error from `mutate` is returned as is and nothing is written. kNotFound when no such lead
  // exists in project_id. Returns the lead as stored.
  virtual Result<Lead> UpdateLead(
      const std::string& project_id, const std::string& lead_id,
      const std::function<Result<LeadMutation>(const Lead&)>& mutate) = 0;

  // Records that a call to `phone` (E.164) was attempted for lead_id: from then on that phone is
  // kPhoneAlreadyAttempted in the project, whatever the process. (The dialer API records these;
  // tests and imports of call history use it directly.)
  virtual Status RecordCallAttempt(const std::string& attempt_id, const std::string& project_id,
                                   const std::string& lead_id, const std::string& phone,
                                   TimePoint at) = 0;

  // Cheap liveness check for /readyz.
  virtual Status Ping() = 0;
};

}  // namespace leadgate::core

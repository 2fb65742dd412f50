// File: memory_lead_store.hpp
//
// core::LeadStore in process memory: a fake for service and HTTP tests, with the same semantics
// as SqliteLeadStore (both pass tests/contract/lead_store_contract_test.cpp). Nothing survives
// the object; nothing ever fails with kUnavailable.
//
//   storage::MemoryLeadStore store;
//   IngestService service(store, clock, ids);
//
// Unlike SqliteLeadStore it never deletes other keys' expired idempotency records (it lives as
// long as a test); an expired record is still treated as absent and replaced on Begin.
//
// Thread-safety: every method takes one mutex, so calls are linearizable; Ingest holds it for the
// whole batch, which makes batches atomic and the duplicate rules race-free. UpdateLead holds it
// while it calls `mutate`, so a mutate callback must not call this store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/lead_store.hpp"

namespace leadgate::storage {

class MemoryLeadStore final : public core::LeadStore {
 public:
  MemoryLeadStore() = default;
  MemoryLeadStore(const MemoryLeadStore&) = delete;
  MemoryLeadStore& operator=(const MemoryLeadStore&) = delete;

  core::Status CreateProject(const core::Project& project) override;
  core::Result<core::Project> GetProject(const std::string& project_id) override;
  core::Result<std::vector<core::Project>> ListProjects() override;
  core::Status SetProjectActive(const std::string& project_id, bool active) override;
  core::Status SetProjectRateLimit(const std::string& project_id,
                                   std::optional<core::ProjectRateLimit> limit) override;

  core::Status CreateProcess(const core::Process& process) override;
  core::Result<std::vector<core::Process>> ListProcesses(const std::string& project_id) override;
  core::Result<std::optional<core::Process>> FindProcess(const std::string& project_id,
                                                         const std::string& process_id) override;

  core::Status CreateApiKey(const core::ApiKeyRecord& key) override;
  core::Result<std::optional<core::ApiKeyRecord>> FindApiKey(const std::string& key_id) override;
  core::Status RevokeApiKey(const std::string& key_id) override;

  core::Result<core::IngestBatchResult> Ingest(const core::IngestBatch& batch) override;
  core::Result<std::optional<core::Lead>> GetLead(const std::string& project_id,
                                                  const std::string& lead_id) override;
  core::Result<std::int64_t> CountLeads(const std::string& project_id) override;
  core::Result<std::optional<core::Lead>> FindLeadByReference(
      const std::string& project_id, const std::string& process_id,
      const std::string& reference_id) override;
  core::Result<std::vector<core::Activity>> ListActivities(const std::string& project_id,
                                                           const std::string& lead_id,
                                                           std::size_t limit) override;
  core::Result<std::vector<core::Lead>> QueryLeads(const core::LeadQuery& query) override;
  core::Result<core::Lead> UpdateLead(
      const std::string& project_id, const std::string& lead_id,
      const std::function<core::Result<core::LeadMutation>(const core::Lead&)>& mutate) override;
  core::Status RecordCallAttempt(const std::string& attempt_id, const std::string& project_id,
                                 const std::string& lead_id, const std::string& phone,
                                 core::TimePoint at) override;
  core::Status Ping() override;

  core::Result<core::IdempotencyBegin> BeginIdempotent(
      const std::string& scope, const std::string& key, const std::string& request_hash,
      core::TimePoint now, std::chrono::milliseconds ttl,
      std::chrono::milliseconds stale_after) override;
  core::Status CompleteIdempotent(const std::string& scope, const std::string& key,
                                  const core::StoredResponse& response) override;
  core::Status AbandonIdempotent(const std::string& scope, const std::string& key) override;

  core::Result<core::KeyGuardState> RecordStrike(const std::string& key_id, core::TimePoint now,
                                                 std::chrono::milliseconds window, int max_strikes,
                                                 std::chrono::milliseconds block_for) override;
  core::Result<core::KeyGuardState> GetKeyGuard(const std::string& key_id, core::TimePoint now,
                                                std::chrono::milliseconds window) override;
  core::Status UnblockKey(const std::string& key_id) override;

 private:
  struct IdempotencyRecord {
    std::string request_hash;
    bool completed = false;
    core::StoredResponse response;  // set when completed
    core::TimePoint created_at;
  };

  struct KeyGuard {
    std::vector<core::TimePoint> strikes;  // in recording order
    std::optional<core::TimePoint> blocked_until;
  };

  struct Attempt {
    std::string lead_id;
    core::TimePoint at;
  };

  // Each entity keeps its insertion sequence number, the tie-break of "oldest first".
  template <class T>
  struct Sequenced {
    T value;
    std::uint64_t seq;
  };

  std::mutex mu_;
  std::uint64_t next_seq_ = 0;  // all guarded by mu_
  std::unordered_map<std::string, Sequenced<core::Project>> projects_;
  std::unordered_map<std::string, Sequenced<core::Process>> processes_;
  std::unordered_map<std::string, core::ApiKeyRecord> api_keys_;
  std::unordered_map<std::string, core::Lead> leads_;
  // Each lead's stored timeline entries, in write order (the derived first entries are not
  // stored, as in SqliteLeadStore).
  std::unordered_map<std::string, std::vector<core::Activity>> activities_;
  std::unordered_map<std::string, std::int64_t> lead_counts_;  // by project
  // The duplicate indexes: composite key (see the .cpp) -> lead id.
  std::unordered_map<std::string, std::string> by_phone_;
  std::unordered_map<std::string, std::string> by_reference_;
  std::unordered_map<std::string, std::string> by_email_;
  // (project, phone) -> the earliest attempt; attempt ids seen.
  std::unordered_map<std::string, Attempt> first_attempt_;
  std::unordered_set<std::string> attempt_ids_;
  // Key-guard state by API key id (absent: no strikes, never blocked).
  std::unordered_map<std::string, KeyGuard> key_guards_;
  // Idempotency records by composite (scope, key).
  std::unordered_map<std::string, IdempotencyRecord> idempotency_;
};

}  // namespace leadgate::storage

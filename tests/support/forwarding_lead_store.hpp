// A LeadStore that forwards every call to another one (after leveldb's EnvWrapper), so a test can
// override the one method it wants to count or break.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/lead_store.hpp"

namespace leadgate::testing {

class ForwardingLeadStore : public core::LeadStore {
 public:
  explicit ForwardingLeadStore(core::LeadStore& target) : target_(target) {}

  core::Status CreateProject(const core::Project& p) override { return target_.CreateProject(p); }
  core::Result<core::Project> GetProject(const std::string& id) override {
    return target_.GetProject(id);
  }
  core::Result<std::vector<core::Project>> ListProjects() override {
    return target_.ListProjects();
  }
  core::Status SetProjectActive(const std::string& id, bool active) override {
    return target_.SetProjectActive(id, active);
  }
  core::Status SetProjectRateLimit(const std::string& id,
                                   std::optional<core::ProjectRateLimit> limit) override {
    return target_.SetProjectRateLimit(id, limit);
  }
  core::Status CreateProcess(const core::Process& p) override { return target_.CreateProcess(p); }
  core::Result<std::vector<core::Process>> ListProcesses(const std::string& project_id) override {
    return target_.ListProcesses(project_id);
  }
  core::Result<std::optional<core::Process>> FindProcess(const std::string& project_id,
                                                         const std::string& process_id) override {
    return target_.FindProcess(project_id, process_id);
  }
  core::Status CreateApiKey(const core::ApiKeyRecord& key) override {
    return target_.CreateApiKey(key);
  }
  core::Result<std::optional<core::ApiKeyRecord>> FindApiKey(const std::string& id) override {
    return target_.FindApiKey(id);
  }
  core::Status RevokeApiKey(const std::string& id) override { return target_.RevokeApiKey(id); }
  core::Result<core::IngestBatchResult> Ingest(const core::IngestBatch& batch) override {
    return target_.Ingest(batch);
  }
  core::Result<std::optional<core::Lead>> GetLead(const std::string& project_id,
                                                  const std::string& lead_id) override {
    return target_.GetLead(project_id, lead_id);
  }
  core::Result<std::int64_t> CountLeads(const std::string& project_id) override {
    return target_.CountLeads(project_id);
  }
  core::Result<std::optional<core::Lead>> FindLeadByReference(
      const std::string& project_id, const std::string& process_id,
      const std::string& reference_id) override {
    return target_.FindLeadByReference(project_id, process_id, reference_id);
  }
  core::Result<std::vector<core::Activity>> ListActivities(const std::string& project_id,
                                                           const std::string& lead_id,
                                                           std::size_t limit) override {
    return target_.ListActivities(project_id, lead_id, limit);
  }
  core::Result<std::vector<core::Lead>> QueryLeads(const core::LeadQuery& query) override {
    return target_.QueryLeads(query);
  }
  core::Result<core::Lead> UpdateLead(
      const std::string& project_id, const std::string& lead_id,
      const std::function<core::Result<core::LeadMutation>(const core::Lead&)>& mutate) override {
    return target_.UpdateLead(project_id, lead_id, mutate);
  }
  core::Status RecordCallAttempt(const std::string& attempt_id, const std::string& project_id,
                                 const std::string& lead_id, const std::string& phone,
                                 core::TimePoint at) override {
    return target_.RecordCallAttempt(attempt_id, project_id, lead_id, phone, at);
  }
  core::Status Ping() override { return target_.Ping(); }

  core::Result<core::IdempotencyBegin> BeginIdempotent(
      const std::string& scope, const std::string& key, const std::string& request_hash,
      core::TimePoint now, std::chrono::milliseconds ttl,
      std::chrono::milliseconds stale_after) override {
    return target_.BeginIdempotent(scope, key, request_hash, now, ttl, stale_after);
  }
  core::Status CompleteIdempotent(const std::string& scope, const std::string& key,
                                  const core::StoredResponse& response) override {
    return target_.CompleteIdempotent(scope, key, response);
  }
  core::Status AbandonIdempotent(const std::string& scope, const std::string& key) override {
    return target_.AbandonIdempotent(scope, key);
  }

  core::Result<core::KeyGuardState> RecordStrike(const std::string& key_id, core::TimePoint now,
                                                 std::chrono::milliseconds window, int max_strikes,
                                                 std::chrono::milliseconds block_for) override {
    return target_.RecordStrike(key_id, now, window, max_strikes, block_for);
  }
  core::Result<core::KeyGuardState> GetKeyGuard(const std::string& key_id, core::TimePoint now,
                                                std::chrono::milliseconds window) override {
    return target_.GetKeyGuard(key_id, now, window);
  }
  core::Status UnblockKey(const std::string& key_id) override { return target_.UnblockKey(key_id); }

 private:
  core::LeadStore& target_;
};

}  // namespace leadgate::testing

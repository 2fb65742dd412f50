// A LeadStore that forwards every call to another one (after leveldb's EnvWrapper), so a test can
// override the one method it wants to count or break.
#pragma once

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
  core::Status RecordCallAttempt(const std::string& attempt_id, const std::string& project_id,
                                 const std::string& lead_id, const std::string& phone,
                                 core::TimePoint at) override {
    return target_.RecordCallAttempt(attempt_id, project_id, lead_id, phone, at);
  }
  core::Status Ping() override { return target_.Ping(); }

 private:
  core::LeadStore& target_;
};

}  // namespace leadgate::testing

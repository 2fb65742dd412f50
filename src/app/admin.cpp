#include "app/admin.hpp"

#include <cctype>

#include "auth/api_key.hpp"
#include "core/text.hpp"

namespace leadgate::app {

using core::ErrorCode;
using core::MakeError;

core::Result<CreatedProject> Admin::CreateProject(const std::string& name,
                                                  const std::string& region) {
  const std::string_view trimmed = core::TrimSpace(name);
  if (trimmed.empty()) return MakeError(ErrorCode::kInvalidArgument, "--name must not be empty");
  if (region.size() != 2 || !std::isupper(static_cast<unsigned char>(region[0])) ||
      !std::isupper(static_cast<unsigned char>(region[1]))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--region must be an ISO 3166 alpha-2 code such as US, not " + region);
  }
  CreatedProject created;
  created.project.id = ids_.Next(clock_.Now());
  created.project.name = std::string(trimmed);
  created.project.region = region;
  created.project.active = true;
  created.project.created_at = clock_.Now();
  if (auto s = store_.CreateProject(created.project); !s) return std::unexpected(s.error());
  auto key = CreateKey(created.project.id);
  if (!key) return std::unexpected(key.error());
  created.key = std::move(*key);
  return created;
}

core::Result<core::Process> Admin::CreateProcess(const std::string& project_id,
                                                 const std::string& name) {
  const std::string_view trimmed = core::TrimSpace(name);
  if (trimmed.empty()) return MakeError(ErrorCode::kInvalidArgument, "--name must not be empty");
  core::Process process;
  process.id = ids_.Next(clock_.Now());
  process.project_id = project_id;
  process.name = std::string(trimmed);
  process.created_at = clock_.Now();
  if (auto s = store_.CreateProcess(process); !s) return std::unexpected(s.error());
  return process;
}

core::Result<CreatedKey> Admin::CreateKey(const std::string& project_id) {
  auto project = store_.GetProject(project_id);
  if (!project) return std::unexpected(project.error());
  core::ApiKeyRecord record;
  record.id = ids_.Next(clock_.Now());
  record.project_id = project_id;
  record.created_at = clock_.Now();
  auto key = auth::GenerateKey(record.id);
  if (!key) return MakeError(ErrorCode::kInternal, "the random source failed");
  record.secret_hash = key->secret_hash;
  if (auto s = store_.CreateApiKey(record); !s) return std::unexpected(s.error());
  return CreatedKey{record.id, key->token};
}

}  // namespace leadgate::app

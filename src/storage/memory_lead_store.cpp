// File: memory_lead_store.cpp
//
// Mirrors SqliteLeadStore decision for decision, so that tests written against the fake hold on
// the real store: the duplicate checks run in the order attempted -> phone -> reference -> email
// and only then is the lead's process checked (SQLite's foreign key only fires for a row it
// actually inserts); an Ingest is staged in local maps and applied only at the end, which gives
// the all-or-nothing batch and the dry run for free.
#include "storage/memory_lead_store.hpp"

#include <algorithm>
#include <utility>

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;

namespace {

// Composite map key. NUL cannot occur in ids, E.164 phones or lower-cased emails, and a
// referenceId containing one still cannot make two different tuples equal: the parts before it
// have fixed length (24-hex ids).
std::string Key(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (const std::string_view p : parts) {
    key.append(p);
    key.push_back('\0');
  }
  return key;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

template <class T>
std::vector<T> OldestFirst(std::vector<std::pair<T, std::uint64_t>> items) {
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    if (a.first.created_at != b.first.created_at) return a.first.created_at < b.first.created_at;
    return a.second < b.second;
  });
  std::vector<T> out;
  out.reserve(items.size());
  for (auto& [value, seq] : items) out.push_back(std::move(value));
  return out;
}

}  // namespace

// ---- projects, processes, keys ----

Status MemoryLeadStore::CreateProject(const core::Project& project) {
  if (auto ok = core::ValidateRateLimit(project.rate_limit); !ok) return ok;
  std::lock_guard lock(mu_);
  if (projects_.contains(project.id)) {
    return MakeError(ErrorCode::kAlreadyExists, "project " + project.id + " already exists");
  }
  projects_.emplace(project.id, Sequenced<core::Project>{project, next_seq_++});
  return {};
}

Result<core::Project> MemoryLeadStore::GetProject(const std::string& project_id) {
  std::lock_guard lock(mu_);
  const auto it = projects_.find(project_id);
  if (it == projects_.end()) {
    return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  }
  return it->second.value;
}

Result<std::vector<core::Project>> MemoryLeadStore::ListProjects() {
  std::lock_guard lock(mu_);
  std::vector<std::pair<core::Project, std::uint64_t>> items;
  for (const auto& [id, p] : projects_) items.emplace_back(p.value, p.seq);
  return OldestFirst(std::move(items));
}

Status MemoryLeadStore::SetProjectActive(const std::string& project_id, bool active) {
  std::lock_guard lock(mu_);
  const auto it = projects_.find(project_id);
  if (it == projects_.end()) {
    return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  }
  it->second.value.active = active;
  return {};
}

Status MemoryLeadStore::SetProjectRateLimit(const std::string& project_id,
                                            std::optional<core::ProjectRateLimit> limit) {
  if (auto ok = core::ValidateRateLimit(limit); !ok) return ok;
  std::lock_guard lock(mu_);
  const auto it = projects_.find(project_id);
  if (it == projects_.end()) {
    return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  }
  it->second.value.rate_limit = limit;
  return {};
}

Status MemoryLeadStore::CreateProcess(const core::Process& process) {
  std::lock_guard lock(mu_);
  if (!projects_.contains(process.project_id)) {
    return MakeError(ErrorCode::kNotFound, "project " + process.project_id + " not found");
  }
  if (processes_.contains(process.id)) {
    return MakeError(ErrorCode::kAlreadyExists, "process " + process.id + " already exists");
  }
  processes_.emplace(process.id, Sequenced<core::Process>{process, next_seq_++});
  return {};
}

Result<std::vector<core::Process>> MemoryLeadStore::ListProcesses(const std::string& project_id) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<core::Process, std::uint64_t>> items;
  for (const auto& [id, p] : processes_) {
    if (p.value.project_id == project_id) items.emplace_back(p.value, p.seq);
  }
  return OldestFirst(std::move(items));
}

Result<std::optional<core::Process>> MemoryLeadStore::FindProcess(const std::string& project_id,
                                                                  const std::string& process_id) {
  std::lock_guard lock(mu_);
  const auto it = processes_.find(process_id);
  if (it == processes_.end() || it->second.value.project_id != project_id) {
    return std::optional<core::Process>();
  }
  return std::optional<core::Process>(it->second.value);
}

Status MemoryLeadStore::CreateApiKey(const core::ApiKeyRecord& key) {
  std::lock_guard lock(mu_);
  if (!projects_.contains(key.project_id)) {
    return MakeError(ErrorCode::kNotFound, "project " + key.project_id + " not found");
  }
  if (api_keys_.contains(key.id)) {
    return MakeError(ErrorCode::kAlreadyExists, "api key " + key.id + " already exists");
  }
  api_keys_.emplace(key.id, key);
  return {};
}

Result<std::optional<core::ApiKeyRecord>> MemoryLeadStore::FindApiKey(const std::string& key_id) {
  std::lock_guard lock(mu_);
  const auto it = api_keys_.find(key_id);
  if (it == api_keys_.end()) return std::optional<core::ApiKeyRecord>();
  return std::optional<core::ApiKeyRecord>(it->second);
}

Status MemoryLeadStore::RevokeApiKey(const std::string& key_id) {
  std::lock_guard lock(mu_);
  const auto it = api_keys_.find(key_id);
  if (it == api_keys_.end()) {
    return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
  }
  it->second.revoked = true;
  return {};
}

// ---- leads ----

Result<core::IngestBatchResult> MemoryLeadStore::Ingest(const core::IngestBatch& batch) {
  using core::InsertOutcome;
  using core::InsertStatus;
  for (const core::Lead& lead : batch.new_leads) {
    if (lead.project_id != batch.project_id) {
      return MakeError(ErrorCode::kInvalidArgument, "lead " + lead.id + " has project " +
                                                        lead.project_id + ", batch has " +
                                                        batch.project_id);
    }
  }

  std::lock_guard lock(mu_);
  // The batch's writes, applied to the maps only at the end (and never for a dry run).
  std::unordered_map<std::string, std::string> new_phone, new_reference, new_email;
  std::unordered_map<std::string, core::Lead> staged;  // inserted or initialized, by id
  std::vector<std::string> inserted_ids;
  std::vector<core::Activity> staged_activities;  // the inits' timeline entries

  auto lookup = [](const std::unordered_map<std::string, std::string>& committed,
                   const std::unordered_map<std::string, std::string>& pending,
                   const std::string& key) -> const std::string* {
    if (const auto it = pending.find(key); it != pending.end()) return &it->second;
    if (const auto it = committed.find(key); it != committed.end()) return &it->second;
    return nullptr;
  };

  core::IngestBatchResult result;
  for (const core::Lead& lead : batch.new_leads) {
    const std::string& project = lead.project_id;
    std::string phone_key, reference_key, email_key;
    if (lead.phone) {
      if (const auto it = first_attempt_.find(Key({project, *lead.phone}));
          it != first_attempt_.end()) {
        result.inserted.push_back({InsertStatus::kPhoneAlreadyAttempted, it->second.lead_id});
        continue;
      }
      phone_key = Key({project, lead.process_id, *lead.phone});
      if (const std::string* hit = lookup(by_phone_, new_phone, phone_key)) {
        result.inserted.push_back({InsertStatus::kDuplicatePhone, *hit});
        continue;
      }
    }
    if (lead.reference_id) {
      reference_key = Key({project, lead.process_id, *lead.reference_id});
      if (const std::string* hit = lookup(by_reference_, new_reference, reference_key)) {
        result.inserted.push_back({InsertStatus::kDuplicateReference, *hit});
        continue;
      }
    }
    if (lead.email) {
      email_key = Key({project, *lead.email});
      if (const std::string* hit = lookup(by_email_, new_email, email_key)) {
        result.inserted.push_back({InsertStatus::kDuplicateEmail, *hit});
        continue;
      }
    }
    const auto process = processes_.find(lead.process_id);
    if (process == processes_.end() || process->second.value.project_id != project) {
      return MakeError(ErrorCode::kInternal, "lead " + lead.id + " names process " +
                                                 lead.process_id +
                                                 ", which is not a process of project " + project);
    }
    if (leads_.contains(lead.id) || staged.contains(lead.id)) {
      return MakeError(ErrorCode::kInternal, "lead id " + lead.id + " is already stored");
    }
    if (lead.phone) new_phone.emplace(phone_key, lead.id);
    if (lead.reference_id) new_reference.emplace(reference_key, lead.id);
    if (lead.email) new_email.emplace(email_key, lead.id);
    staged.emplace(lead.id, lead);
    inserted_ids.push_back(lead.id);
    result.inserted.push_back(InsertOutcome{});
  }

  for (const std::string& raw_id : batch.lead_ids) {
    const std::string id = LowerAscii(raw_id);
    const core::Lead* current = nullptr;
    if (const auto it = staged.find(id); it != staged.end()) {
      current = &it->second;
    } else if (const auto jt = leads_.find(id); jt != leads_.end()) {
      current = &jt->second;
    }
    if (current == nullptr || current->project_id != batch.project_id) {
      result.found.emplace_back();
      continue;
    }
    core::Lead lead = *current;
    if (batch.init && lead.state == core::LeadState::kCreated) {
      lead.state = core::LeadState::kInitialized;
      lead.updated_at = batch.now;
      lead.next_attempt_at = batch.now;
      staged.insert_or_assign(id, lead);
      staged_activities.push_back(core::InitializedActivity(lead.id, batch.now));
    }
    result.found.emplace_back(std::move(lead));
  }

  if (batch.dry_run) return result;
  for (const std::string& id : inserted_ids) ++lead_counts_[staged.at(id).project_id];
  for (auto& [id, lead] : staged) leads_.insert_or_assign(id, std::move(lead));
  for (core::Activity& a : staged_activities) activities_[a.lead_id].push_back(std::move(a));
  by_phone_.merge(new_phone);
  by_reference_.merge(new_reference);
  by_email_.merge(new_email);
  return result;
}

Result<std::optional<core::Lead>> MemoryLeadStore::GetLead(const std::string& project_id,
                                                           const std::string& lead_id) {
  std::lock_guard lock(mu_);
  const auto it = leads_.find(LowerAscii(lead_id));
  if (it == leads_.end() || it->second.project_id != project_id) {
    return std::optional<core::Lead>();
  }
  return std::optional<core::Lead>(it->second);
}

Result<std::optional<core::Lead>> MemoryLeadStore::FindLeadByReference(
    const std::string& project_id, const std::string& process_id, const std::string& reference_id) {
  std::lock_guard lock(mu_);
  const auto it = by_reference_.find(Key({project_id, process_id, reference_id}));
  if (it == by_reference_.end()) return std::optional<core::Lead>();
  return std::optional<core::Lead>(leads_.at(it->second));
}

Result<std::vector<core::Activity>> MemoryLeadStore::ListActivities(const std::string& project_id,
                                                                    const std::string& lead_id,
                                                                    std::size_t limit) {
  std::lock_guard lock(mu_);
  const std::string id = LowerAscii(lead_id);
  const auto it = leads_.find(id);
  if (it == leads_.end() || it->second.project_id != project_id) {
    return MakeError(ErrorCode::kNotFound, "lead " + lead_id + " not found");
  }
  const core::Lead& lead = it->second;
  // Newest first with ties in reverse write order: the stored entries newest-written first, then
  // the derived ones (written with the lead, so before any stored entry), then a stable sort by
  // time.
  std::vector<core::Activity> out;
  if (const auto jt = activities_.find(id); jt != activities_.end()) {
    out.assign(jt->second.rbegin(), jt->second.rend());
  }
  for (auto& derived : core::DerivedActivities(lead)) out.push_back(std::move(derived));
  std::stable_sort(out.begin(), out.end(),
                   [](const core::Activity& a, const core::Activity& b) { return a.at > b.at; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<core::Lead>> MemoryLeadStore::QueryLeads(const core::LeadQuery& query) {
  std::lock_guard lock(mu_);
  auto newer = [](const core::Lead& a, const core::Lead& b) {
    if (a.created_at != b.created_at) return a.created_at > b.created_at;
    return a.id > b.id;
  };
  std::vector<core::Lead> out;
  for (const auto& [id, lead] : leads_) {
    if (lead.project_id != query.project_id) continue;
    if (query.process_id && lead.process_id != *query.process_id) continue;
    if (query.group_id && lead.group_id != *query.group_id) continue;
    if (query.state && lead.state != *query.state) continue;
    if (query.reference_id && lead.reference_id != *query.reference_id) continue;
    if (query.phone && lead.phone != *query.phone) continue;
    if (query.email && lead.email != *query.email) continue;
    if (query.created_from && lead.created_at < *query.created_from) continue;
    if (query.created_to && lead.created_at > *query.created_to) continue;
    if (query.after) {
      core::Lead cursor;
      cursor.created_at = query.after->created_at;
      cursor.id = query.after->id;
      if (!newer(cursor, lead)) continue;  // only leads strictly after the cursor
    }
    out.push_back(lead);
  }
  std::sort(out.begin(), out.end(), newer);
  if (out.size() > query.limit) out.resize(query.limit);
  return out;
}

Result<core::Lead> MemoryLeadStore::UpdateLead(
    const std::string& project_id, const std::string& lead_id,
    const std::function<Result<core::LeadMutation>(const core::Lead&)>& mutate) {
  std::lock_guard lock(mu_);
  const std::string id = LowerAscii(lead_id);
  const auto it = leads_.find(id);
  if (it == leads_.end() || it->second.project_id != project_id) {
    return MakeError(ErrorCode::kNotFound, "lead " + lead_id + " not found");
  }
  auto mutation = mutate(it->second);
  if (!mutation) return std::unexpected(std::move(mutation.error()));
  // Only the mutable fields (core/lead_store.hpp); identity and creation stay as stored.
  core::Lead& lead = it->second;
  const core::Lead& next = mutation->lead;
  lead.name = next.name;
  lead.first_name = next.first_name;
  lead.last_name = next.last_name;
  lead.metadata_json = next.metadata_json;
  lead.state = next.state;
  lead.last_disposition = next.last_disposition;
  lead.next_attempt_at = next.next_attempt_at;
  lead.updated_at = next.updated_at;
  std::vector<core::Activity>& timeline = activities_[id];
  for (core::Activity& a : mutation->activities) {
    a.lead_id = id;  // as SqliteLeadStore: an entry belongs to the lead it was written with
    timeline.push_back(std::move(a));
  }
  return lead;
}

Result<std::int64_t> MemoryLeadStore::CountLeads(const std::string& project_id) {
  std::lock_guard lock(mu_);
  const auto it = lead_counts_.find(project_id);
  return it == lead_counts_.end() ? std::int64_t{0} : it->second;
}

Status MemoryLeadStore::RecordCallAttempt(const std::string& attempt_id,
                                          const std::string& project_id, const std::string& lead_id,
                                          const std::string& phone, core::TimePoint at) {
  std::lock_guard lock(mu_);
  if (!projects_.contains(project_id)) {
    return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  }
  if (!attempt_ids_.insert(attempt_id).second) {
    return MakeError(ErrorCode::kAlreadyExists, "call attempt " + attempt_id + " already exists");
  }
  // Keep the earliest attempt; on equal times the one recorded first.
  const auto [it, inserted] =
      first_attempt_.try_emplace(Key({project_id, phone}), Attempt{lead_id, at});
  if (!inserted && at < it->second.at) it->second = Attempt{lead_id, at};
  return {};
}

Status MemoryLeadStore::Ping() { return {}; }

// ---- key guard ----

Result<core::KeyGuardState> MemoryLeadStore::RecordStrike(const std::string& key_id,
                                                          core::TimePoint now,
                                                          std::chrono::milliseconds window,
                                                          int max_strikes,
                                                          std::chrono::milliseconds block_for) {
  std::lock_guard lock(mu_);
  if (!api_keys_.contains(key_id)) {
    return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
  }
  KeyGuard& guard = key_guards_[key_id];
  const core::TimePoint forget_through = now - window;
  std::erase_if(guard.strikes, [&](core::TimePoint t) { return t <= forget_through; });
  guard.strikes.push_back(now);
  core::KeyGuardState state;
  state.strikes = static_cast<int>(guard.strikes.size());
  if (guard.blocked_until && *guard.blocked_until > now) {
    state.blocked_until = guard.blocked_until;
  } else if (state.strikes > max_strikes) {
    guard.blocked_until = now + block_for;
    state.blocked_until = guard.blocked_until;
  }
  return state;
}

Result<core::KeyGuardState> MemoryLeadStore::GetKeyGuard(const std::string& key_id,
                                                         core::TimePoint now,
                                                         std::chrono::milliseconds window) {
  std::lock_guard lock(mu_);
  if (!api_keys_.contains(key_id)) {
    return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
  }
  core::KeyGuardState state;
  const auto it = key_guards_.find(key_id);
  if (it == key_guards_.end()) return state;
  const core::TimePoint forget_through = now - window;
  state.strikes =
      static_cast<int>(std::count_if(it->second.strikes.begin(), it->second.strikes.end(),
                                     [&](core::TimePoint t) { return t > forget_through; }));
  if (it->second.blocked_until && *it->second.blocked_until > now) {
    state.blocked_until = it->second.blocked_until;
  }
  return state;
}

Status MemoryLeadStore::UnblockKey(const std::string& key_id) {
  std::lock_guard lock(mu_);
  if (!api_keys_.contains(key_id)) {
    return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
  }
  key_guards_.erase(key_id);
  return {};
}

// ---- idempotency ----
//
// The same decisions as SqliteLeadStore's upsert, in the same order: expired (created_at <
// now - ttl) is absent; then another hash is kMismatch; then completed is kReplay; then an
// in-progress claim at least stale_after old is taken over (created_at renewed). There is no
// sweep of other keys' expired records: this store lives as long as a test.

Result<core::IdempotencyBegin> MemoryLeadStore::BeginIdempotent(
    const std::string& scope, const std::string& key, const std::string& request_hash,
    core::TimePoint now, std::chrono::milliseconds ttl, std::chrono::milliseconds stale_after) {
  std::lock_guard lock(mu_);
  IdempotencyRecord claim;
  claim.request_hash = request_hash;
  claim.created_at = now;
  const auto [it, inserted] = idempotency_.try_emplace(Key({scope, key}), claim);
  core::IdempotencyBegin out;
  IdempotencyRecord& record = it->second;
  if (inserted || record.created_at < now - ttl) {
    record = claim;
    out.status = core::IdempotencyStatus::kStarted;
  } else if (record.request_hash != request_hash) {
    out.status = core::IdempotencyStatus::kMismatch;
  } else if (record.completed) {
    out.status = core::IdempotencyStatus::kReplay;
    out.response = record.response;
  } else if (record.created_at <= now - stale_after) {
    record = claim;
    out.status = core::IdempotencyStatus::kStarted;
  } else {
    out.status = core::IdempotencyStatus::kInProgress;
  }
  return out;
}

Status MemoryLeadStore::CompleteIdempotent(const std::string& scope, const std::string& key,
                                           const core::StoredResponse& response) {
  std::lock_guard lock(mu_);
  const auto it = idempotency_.find(Key({scope, key}));
  if (it == idempotency_.end() || it->second.completed) {
    return MakeError(ErrorCode::kNotFound, "no in-progress idempotency record for this key");
  }
  it->second.completed = true;
  it->second.response = response;
  return {};
}

Status MemoryLeadStore::AbandonIdempotent(const std::string& scope, const std::string& key) {
  std::lock_guard lock(mu_);
  idempotency_.erase(Key({scope, key}));
  return {};
}

}  // namespace leadgate::storage

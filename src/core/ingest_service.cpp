#include "core/ingest_service.hpp"

#include <algorithm>
#include <unordered_map>

#include "core/lead_validator.hpp"
#include "core/text.hpp"

namespace leadgate::core {
namespace {

LeadError DuplicateError(const InsertOutcome& outcome, const Lead& lead) {
  switch (outcome.status) {
    case InsertStatus::kPhoneAlreadyAttempted:
      return {LeadErrorCode::kPhoneAlreadyAttempted,
              "A call attempt has already been made to this phone number for this project",
              outcome.existing_lead_id};
    case InsertStatus::kDuplicatePhone:
      return {LeadErrorCode::kDuplicatePhone,
              "Lead with phone " + lead.phone.value_or("") +
                  " already exists for this project and process",
              outcome.existing_lead_id};
    case InsertStatus::kDuplicateReference:
      return {LeadErrorCode::kDuplicateReference,
              "Lead with referenceId " + lead.reference_id.value_or("") +
                  " already exists for this project and process",
              outcome.existing_lead_id};
    case InsertStatus::kDuplicateEmail:
      return {LeadErrorCode::kDuplicateEmail,
              "Lead with email " + lead.email.value_or("") + " already exists for this project",
              outcome.existing_lead_id};
    case InsertStatus::kInserted:
      break;
  }
  return {LeadErrorCode::kDuplicatePhone, "unreachable", {}};
}

}  // namespace

std::size_t IngestReport::DuplicateRejections() const {
  std::size_t n = 0;
  for (const auto* items : {&leads, &lead_ids}) {
    for (const auto& item : *items) {
      if (const auto* err = std::get_if<LeadError>(&item); err && IsDuplicateReason(err->code)) {
        ++n;
      }
    }
  }
  return n;
}

Result<IngestOutcome> IngestService::Ingest(const IngestRequest& request) const {
  // Check 4: the count, before any per-lead work.
  if (request.leads.size() + request.lead_ids.size() > limits_.max_leads_per_request) {
    return TooManyLeads{limits_.max_leads_per_request};
  }

  // Check 5: every projectId. All offenders are listed so the client can fix them in one go.
  InvalidProjectIds invalid;
  for (std::size_t i = 0; i < request.leads.size(); ++i) {
    const auto& pid = request.leads[i].project_id;
    if (!pid) {
      invalid.leads.push_back({i, "missing projectId"});
    } else if (*pid != request.project.id) {
      invalid.leads.push_back({i, "projectId does not match authenticated project"});
    }
  }
  if (!invalid.leads.empty()) return invalid;

  // Check 6: every processId names a process of this project. A batch usually carries one or a
  // few distinct processes, so each is looked up once.
  std::unordered_map<std::string, bool> known;
  for (const auto& lead : request.leads) {
    if (!lead.process_id) return ProcessNotFound{lead.process_id_token};
    auto [it, inserted] = known.try_emplace(*lead.process_id, false);
    if (inserted) {
      auto process = store_.FindProcess(request.project.id, *lead.process_id);
      if (!process) return std::unexpected(process.error());
      it->second = process->has_value();
    }
    if (!it->second) return ProcessNotFound{*lead.process_id};
  }

  // Per-lead validation: pure CPU work, done before the store transaction so the write lock is
  // held only for the writes.
  const TimePoint now = clock_.Now();
  IngestReport report;
  report.leads.reserve(request.leads.size());
  IngestBatch batch;
  batch.project_id = request.project.id;
  batch.init = request.init;
  batch.dry_run = request.dry_run;
  batch.now = now;
  std::vector<std::size_t> batch_index;  // batch.new_leads[k] is report.leads[batch_index[k]]
  for (const auto& input : request.leads) {
    auto validated = ValidateLead(input, phones_, request.project.region);
    if (auto* lead = std::get_if<Lead>(&validated)) {
      lead->id = ids_.Next(now);
      lead->project_id = request.project.id;
      lead->state = request.init ? LeadState::kInitialized : LeadState::kCreated;
      lead->created_state = lead->state;
      lead->attempts = 0;
      // Due at once; the dialer's claim applies the process's calling window (docs/api.md).
      if (request.init) lead->next_attempt_at = now;
      lead->created_at = now;
      lead->updated_at = now;
      batch_index.push_back(report.leads.size());
      batch.new_leads.push_back(*lead);
    }
    report.leads.push_back(std::move(validated));
  }

  report.lead_ids.resize(request.lead_ids.size());
  std::vector<std::size_t> id_index;  // batch.lead_ids[k] is report.lead_ids[id_index[k]]
  for (std::size_t i = 0; i < request.lead_ids.size(); ++i) {
    const auto& value = request.lead_ids[i].value;
    if (!value || !IsObjectId(*value)) {
      report.lead_ids[i] = LeadError{LeadErrorCode::kInvalidLeadId, "Invalid lead ID", {}};
      continue;
    }
    id_index.push_back(i);
    batch.lead_ids.push_back(AsciiLower(*value));  // ids are stored in lower case
  }

  if (batch.new_leads.empty() && batch.lead_ids.empty()) return report;

  auto written = store_.Ingest(batch);
  if (!written) return std::unexpected(written.error());

  for (std::size_t k = 0; k < written->inserted.size(); ++k) {
    const InsertOutcome& outcome = written->inserted[k];
    if (outcome.status == InsertStatus::kInserted) continue;
    auto& item = report.leads[batch_index[k]];
    item = DuplicateError(outcome, std::get<Lead>(item));
  }
  for (std::size_t k = 0; k < written->found.size(); ++k) {
    auto& found = written->found[k];
    if (found) {
      report.lead_ids[id_index[k]] = std::move(*found);
    } else {
      report.lead_ids[id_index[k]] = LeadError{LeadErrorCode::kLeadNotFound, "Lead not found", {}};
    }
  }
  return report;
}

}  // namespace leadgate::core

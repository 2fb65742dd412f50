#include "api/response_json.hpp"

#include "api/json_writer.hpp"

namespace leadgate::api {
namespace internal {

void LeadFields(Writer& w, const core::Lead& lead) {
  Key(w, "_id");
  String(w, lead.id);
  Key(w, "projectId");
  String(w, lead.project_id);
  Key(w, "processId");
  String(w, lead.process_id);
  OptionalField(w, "groupId", lead.group_id);
  OptionalField(w, "name", lead.name);
  OptionalField(w, "firstName", lead.first_name);
  OptionalField(w, "lastName", lead.last_name);
  OptionalField(w, "phone", lead.phone);
  OptionalField(w, "email", lead.email);
  OptionalField(w, "referenceId", lead.reference_id);
  Key(w, "currentState");
  String(w, core::ToString(lead.state));
  if (lead.metadata_json) {
    Key(w, "metadata");
    Raw(w, *lead.metadata_json, rapidjson::kObjectType);
  }
  Key(w, "attempts");
  w.Int(lead.attempts);
  Key(w, "nextAttemptAt");
  if (lead.next_attempt_at) {
    String(w, core::FormatIso8601(*lead.next_attempt_at));
  } else {
    w.Null();
  }
  Key(w, "createdAt");
  String(w, core::FormatIso8601(lead.created_at));
  Key(w, "updatedAt");
  String(w, core::FormatIso8601(lead.updated_at));
}

}  // namespace internal

namespace {

using namespace internal;  // NOLINT: the shared writer vocabulary

void ErrorFields(Writer& w, const core::LeadError& error) {
  Key(w, "error");
  String(w, error.message);
  Key(w, "code");
  String(w, core::ToCode(error.code));
}

void ExistingLead(Writer& w, const core::LeadError& error) {
  if (error.existing_lead_id.empty()) return;
  Key(w, "existingLeadId");
  String(w, error.existing_lead_id);
}

void SuccessItem(Writer& w, const core::Lead& lead, BulkFormat format) {
  w.StartObject();
  if (format == BulkFormat::kV12) {
    Key(w, "_id");
    String(w, lead.id);
    Key(w, "referenceId");
    StringOrNull(w, lead.reference_id);
    Key(w, "currentState");
    String(w, core::ToString(lead.state));
  } else {
    LeadFields(w, lead);
  }
  w.EndObject();
}

}  // namespace

std::string EncodeBulkReport(const core::IngestReport& report,
                             const std::vector<core::LeadInput>& leads,
                             const std::vector<core::LeadIdInput>& lead_ids, BulkFormat format) {
  rapidjson::StringBuffer buffer;
  // Roughly what a full lead object takes, so a 1000-lead answer grows the buffer rarely.
  buffer.Reserve(64 + report.ItemCount() * (format == BulkFormat::kV12 ? 96 : 512));
  Writer w(buffer);
  w.StartObject();
  Key(w, "success");
  w.StartArray();
  for (const auto* items : {&report.leads, &report.lead_ids}) {
    for (const auto& item : *items) {
      if (const auto* lead = std::get_if<core::Lead>(&item)) SuccessItem(w, *lead, format);
    }
  }
  w.EndArray();
  Key(w, "errors");
  w.StartArray();
  for (std::size_t i = 0; i < report.leads.size(); ++i) {
    const auto* error = std::get_if<core::LeadError>(&report.leads[i]);
    if (error == nullptr) continue;
    w.StartObject();
    if (format == BulkFormat::kV12) {
      Key(w, "referenceId");
      StringOrNull(w, leads[i].reference_id);
    } else {
      Key(w, "data");
      Raw(w, leads[i].raw_json, rapidjson::kObjectType);
    }
    ErrorFields(w, *error);
    Key(w, "index");
    w.Uint64(i);
    ExistingLead(w, *error);
    w.EndObject();
  }
  for (std::size_t i = 0; i < report.lead_ids.size(); ++i) {
    const auto* error = std::get_if<core::LeadError>(&report.lead_ids[i]);
    if (error == nullptr) continue;
    w.StartObject();
    if (format == BulkFormat::kV12) {
      // Only lookups that found nothing fail, so there is no stored referenceId to name.
      Key(w, "referenceId");
      w.Null();
    } else {
      Key(w, "leadId");
      Raw(w, lead_ids[i].raw_json, rapidjson::kStringType);
    }
    ErrorFields(w, *error);
    Key(w, "index");
    w.Uint64(i);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeSingleSuccess(const core::Lead& lead) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "success");
  w.Bool(true);
  LeadFields(w, lead);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeLeadError(const core::LeadError& error) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  ErrorFields(w, error);
  ExistingLead(w, error);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeInvalidProjectIds(const core::InvalidProjectIds& invalid,
                                    const std::vector<core::LeadInput>& leads) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "error");
  String(w, "Some leads have missing or invalid projectId");
  Key(w, "invalidLeads");
  w.StartArray();
  for (const auto& item : invalid.leads) {
    w.StartObject();
    Key(w, "data");
    Raw(w, leads[item.index].raw_json, rapidjson::kObjectType);
    Key(w, "error");
    String(w, item.reason);
    Key(w, "index");
    w.Uint64(item.index);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeKeyStatus(std::string_view key_id, std::string_view project_id, int strikes,
                            const std::optional<core::TimePoint>& blocked_until) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "keyId");
  String(w, key_id);
  Key(w, "projectId");
  String(w, project_id);
  Key(w, "strikes");
  w.Int(strikes);
  Key(w, "blockedUntil");
  if (blocked_until) {
    String(w, core::FormatIso8601(*blocked_until));
  } else {
    w.Null();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeError(std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "error");
  String(w, message);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeFailure(std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "success");
  w.Bool(false);
  Key(w, "error");
  String(w, message);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace leadgate::api

#include "core/lead.hpp"

#include <array>
#include <utility>

#include "core/activity.hpp"

namespace leadgate::core {
namespace {

constexpr std::array<std::pair<LeadState, std::string_view>, 7> kStates{{
    {LeadState::kCreated, "created"},
    {LeadState::kInitialized, "initialized"},
    {LeadState::kScheduled, "scheduled"},
    {LeadState::kInCall, "in_call"},
    {LeadState::kSucceeded, "succeeded"},
    {LeadState::kFailed, "failed"},
    {LeadState::kMaxAttemptsReached, "max_attempts_reached"},
}};

}  // namespace

std::string_view ToString(LeadState state) {
  for (const auto& [s, name] : kStates) {
    if (s == state) return name;
  }
  return "unknown";
}

std::optional<LeadState> ParseLeadState(std::string_view text) {
  for (const auto& [s, name] : kStates) {
    if (name == text) return s;
  }
  return std::nullopt;
}

std::string_view ToCode(LeadErrorCode code) {
  switch (code) {
    case LeadErrorCode::kInvalidType:
      return "invalid_type";
    case LeadErrorCode::kInvalidText:
      return "invalid_text";
    case LeadErrorCode::kFieldTooLong:
      return "field_too_long";
    case LeadErrorCode::kMissingContact:
      return "missing_contact";
    case LeadErrorCode::kMissingName:
      return "missing_name";
    case LeadErrorCode::kPhoneRepeatingDigits:
      return "phone_repeating_digits";
    case LeadErrorCode::kInvalidPhone:
      return "invalid_phone";
    case LeadErrorCode::kInvalidEmail:
      return "invalid_email";
    case LeadErrorCode::kMetadataTooLarge:
      return "metadata_too_large";
    case LeadErrorCode::kPhoneAlreadyAttempted:
      return "phone_already_attempted";
    case LeadErrorCode::kDuplicatePhone:
      return "duplicate_phone";
    case LeadErrorCode::kDuplicateReference:
      return "duplicate_reference";
    case LeadErrorCode::kDuplicateEmail:
      return "duplicate_email";
    case LeadErrorCode::kInvalidLeadId:
      return "invalid_lead_id";
    case LeadErrorCode::kLeadNotFound:
      return "lead_not_found";
  }
  return "unknown";
}

std::string_view ToString(ActivityType type) {
  switch (type) {
    case ActivityType::kCreated:
      return "created";
    case ActivityType::kInitialized:
      return "initialized";
    case ActivityType::kUpdated:
      return "updated";
    case ActivityType::kStateChanged:
      return "state_changed";
  }
  return "unknown";
}

Activity InitializedActivity(const std::string& lead_id, TimePoint at) {
  Activity a;
  a.id = lead_id;
  a.lead_id = lead_id;
  a.type = ActivityType::kInitialized;
  a.at = at;
  a.from = LeadState::kCreated;
  a.to = LeadState::kInitialized;
  return a;
}

std::vector<Activity> DerivedActivities(const Lead& lead) {
  std::vector<Activity> out;
  if (lead.created_state == LeadState::kInitialized) {
    out.push_back(InitializedActivity(lead.id, lead.created_at));
  }
  Activity created;
  created.id = lead.id;
  created.lead_id = lead.id;
  created.type = ActivityType::kCreated;
  created.at = lead.created_at;
  out.push_back(std::move(created));
  return out;
}

bool IsDuplicateReason(LeadErrorCode code) {
  return code == LeadErrorCode::kPhoneAlreadyAttempted || code == LeadErrorCode::kDuplicatePhone ||
         code == LeadErrorCode::kDuplicateReference || code == LeadErrorCode::kDuplicateEmail;
}

}  // namespace leadgate::core

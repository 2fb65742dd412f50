#include "core/lead_validator.hpp"

#include <array>
#include <optional>
#include <string>
#include <utility>

#include "core/email.hpp"
#include "core/name.hpp"
#include "core/text.hpp"

namespace leadgate::core {
namespace {

LeadError Fail(LeadErrorCode code, std::string message) {
  return LeadError{code, std::move(message), ""};
}

struct LengthRule {
  std::string_view field;  // JSON name, as it appears in the message
  const std::optional<std::string> LeadInput::*value;
  std::size_t max_chars;
};

// The order of the field table in docs/api.md, so the reported field is predictable.
constexpr std::array<LengthRule, 7> kLengthRules{{
    {"groupId", &LeadInput::group_id, kMaxGroupIdChars},
    {"phone", &LeadInput::phone, kMaxPhoneChars},
    {"email", &LeadInput::email, kMaxEmailChars},
    {"name", &LeadInput::name, kMaxNameChars},
    {"firstName", &LeadInput::first_name, kMaxNameChars},
    {"lastName", &LeadInput::last_name, kMaxNameChars},
    {"referenceId", &LeadInput::reference_id, kMaxReferenceIdChars},
}};

std::optional<LeadError> CheckTypes(const LeadInput& in) {
  if (in.wrong_type_field.empty()) return std::nullopt;
  if (in.wrong_type_field == "metadata") {
    return Fail(LeadErrorCode::kInvalidType, "metadata must be an object");
  }
  return Fail(LeadErrorCode::kInvalidType, in.wrong_type_field + " must be a string");
}

// U+0000 arrives only as a `\u0000` escape (raw control characters are invalid JSON). SQLite
// would keep it, PostgreSQL's text cannot: refuse it in every store alike.
std::optional<LeadError> CheckText(const LeadInput& in) {
  for (const LengthRule& rule : kLengthRules) {
    const std::optional<std::string>& value = in.*rule.value;
    if (value && value->find('\0') != std::string::npos) {
      return Fail(LeadErrorCode::kInvalidText,
                  std::string(rule.field) + " must not contain U+0000");
    }
  }
  return std::nullopt;
}

std::optional<LeadError> CheckLengths(const LeadInput& in) {
  for (const LengthRule& rule : kLengthRules) {
    const std::optional<std::string>& value = in.*rule.value;
    if (value && CountCodePoints(*value) > rule.max_chars) {
      return Fail(LeadErrorCode::kFieldTooLong, std::string(rule.field) + " exceeds " +
                                                    std::to_string(rule.max_chars) + " characters");
    }
  }
  return std::nullopt;
}

std::optional<LeadError> CheckMetadata(const LeadInput& in) {
  if (!in.metadata_json) return std::nullopt;
  if (in.metadata_json->size() > kMaxMetadataBytes) {
    return Fail(LeadErrorCode::kMetadataTooLarge,
                "metadata exceeds " + std::to_string(kMaxMetadataBytes) + " bytes");
  }
  if (in.metadata_depth > kMaxMetadataDepth) {
    return Fail(LeadErrorCode::kMetadataTooLarge,
                "metadata nesting exceeds depth " + std::to_string(kMaxMetadataDepth));
  }
  return std::nullopt;
}

}  // namespace

std::variant<Lead, LeadError> ValidateLead(const LeadInput& in, const PhoneNumbers& phones,
                                           std::string_view default_region) {
  if (auto error = CheckTypes(in)) return *std::move(error);
  if (auto error = CheckText(in)) return *std::move(error);
  if (auto error = CheckLengths(in)) return *std::move(error);
  if (!in.phone && !in.email) {
    return Fail(LeadErrorCode::kMissingContact, "Either phone or email is required");
  }
  if (!in.name && !in.first_name) {
    return Fail(LeadErrorCode::kMissingName, "Either name or firstName is required");
  }

  Lead lead;
  if (in.phone) {
    PhoneCheck phone = phones.Check(*in.phone, default_region);
    switch (phone.status) {
      case PhoneCheck::Status::kRepeatingDigits:
        return Fail(LeadErrorCode::kPhoneRepeatingDigits,
                    "Phone number contains repeating digits pattern");
      case PhoneCheck::Status::kInvalid:
        return Fail(LeadErrorCode::kInvalidPhone, "Invalid phone number");
      case PhoneCheck::Status::kValid:
        lead.phone = std::move(phone.e164);
        break;
    }
  }
  if (in.email) {
    lead.email = NormalizeEmail(*in.email);
    if (!lead.email) return Fail(LeadErrorCode::kInvalidEmail, "Invalid email address");
  }
  if (auto error = CheckMetadata(in)) return *std::move(error);

  NameParts names = NormalizeName(in.name, in.first_name, in.last_name);
  lead.process_id = in.process_id.value_or("");
  lead.group_id = in.group_id;
  lead.name = std::move(names.name);
  lead.first_name = std::move(names.first_name);
  lead.last_name = std::move(names.last_name);
  lead.reference_id = in.reference_id;
  lead.metadata_json = in.metadata_json;
  return lead;
}

}  // namespace leadgate::core

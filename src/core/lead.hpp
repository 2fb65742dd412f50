// File: lead.hpp
//
// The lead: what a client submits (LeadInput, decoded by api/ from JSON), the per-lead error
// vocabulary of docs/api.md (LeadError), and the stored record (Lead).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace leadgate::core {

enum class LeadState {
  kCreated,             // stored, not queued (init: false)
  kInitialized,         // queued for its first call
  kScheduled,           // queued for a retry
  kInCall,              // claimed by a dialer
  kSucceeded,           // ended by a success disposition
  kFailed,              // ended by a failure disposition
  kMaxAttemptsReached,  // ended after maxAttempts
};

std::string_view ToString(LeadState state);  // "created", "initialized", ...
std::optional<LeadState> ParseLeadState(std::string_view s);

// One lead object of a request, as decoded from JSON. String fields are trimmed (Unicode and
// ASCII white space at both ends); an empty string, or JSON null, counts as absent.
struct LeadInput {
  std::string raw_json;  // the lead object exactly as sent, echoed back in error items

  // projectId: present only when it was a non-empty string.
  std::optional<std::string> project_id;
  // processId: present only when it was a non-empty string; otherwise process_id_token is what
  // the request-level 404 message names ("undefined" when missing, else the raw JSON token).
  std::optional<std::string> process_id;
  std::string process_id_token;

  std::optional<std::string> group_id;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<std::string> name;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> reference_id;

  // The first field, in the order of the table in docs/api.md, whose JSON type was wrong
  // ("phone", "metadata", ...); empty when all types were right.
  std::string wrong_type_field;

  // metadata, minified exactly as submitted (object only). Absent when not given or null.
  std::optional<std::string> metadata_json;
  int metadata_depth = 0;  // nesting depth of metadata: {} is 1, {"a":{}} is 2
};

// Per-lead error codes: the stable machine-readable `code` of an error item.
enum class LeadErrorCode {
  kInvalidType,
  kInvalidText,  // a string with U+0000, which no store can keep as text (PostgreSQL refuses it)
  kFieldTooLong,
  kMissingContact,
  kMissingName,
  kPhoneRepeatingDigits,
  kInvalidPhone,
  kInvalidEmail,
  kMetadataTooLarge,
  kPhoneAlreadyAttempted,
  kDuplicatePhone,
  kDuplicateReference,
  kDuplicateEmail,
  kInvalidLeadId,
  kLeadNotFound,
};

std::string_view ToCode(LeadErrorCode code);  // "invalid_type", "duplicate_phone", ...

// True for the four reasons that count towards duplicate-abuse blocking.
bool IsDuplicateReason(LeadErrorCode code);

struct LeadError {
  LeadErrorCode code;
  std::string message;           // the exact `error` text of docs/api.md
  std::string existing_lead_id;  // set for the duplicate reasons
};

// A stored lead. Validation fills the content fields; the ingest service fills identity, state
// and times.
struct Lead {
  std::string id;
  std::string project_id;
  std::string process_id;
  std::optional<std::string> group_id;
  std::optional<std::string> name;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> phone;  // E.164
  std::optional<std::string> email;  // lower-cased
  std::optional<std::string> reference_id;
  std::optional<std::string> metadata_json;  // minified object as submitted

  LeadState state = LeadState::kCreated;
  // The state the lead was created in (kCreated or kInitialized): the timeline's first entries
  // are derived from it and created_at, so ingest writes no activity rows.
  LeadState created_state = LeadState::kCreated;
  std::optional<std::string> last_disposition;
  int attempts = 0;
  std::optional<TimePoint> next_attempt_at;
  TimePoint created_at{};
  TimePoint updated_at{};

  bool operator==(const Lead&) const = default;
};

}  // namespace leadgate::core

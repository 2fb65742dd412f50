// File: response_json.hpp
//
// Response bodies, written with RapidJSON's Writer (never by string concatenation, so every
// string is escaped). Text that came from the client as JSON (a lead "as sent", metadata) is
// copied in verbatim as a raw value: it was validated on the way in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ingest_service.hpp"
#include "core/lead.hpp"

namespace leadgate::api {

enum class BulkFormat {
  kDefault,  // full lead objects; error items echo the lead as sent
  kV12,      // ?v=1.2: {_id, referenceId, currentState}; error items carry referenceId
};

// The 200 body of POST /leads/bulk/initiate. `leads` / `lead_ids` are the request's items, in
// the order the report refers to them.
std::string EncodeBulkReport(const core::IngestReport& report,
                             const std::vector<core::LeadInput>& leads,
                             const std::vector<core::LeadIdInput>& lead_ids, BulkFormat format);

// The 200 body of POST /leads/initiate: the lead object with "success": true.
std::string EncodeSingleSuccess(const core::Lead& lead);

// {"error": message, "code": code[, "existingLeadId": id]}: a single-lead 400.
std::string EncodeLeadError(const core::LeadError& error);

// The 403 body of check 5.
std::string EncodeInvalidProjectIds(const core::InvalidProjectIds& invalid,
                                    const std::vector<core::LeadInput>& leads);

// GET /keys/self: {"keyId", "projectId", "strikes", "blockedUntil": ISO 8601 | null}
std::string EncodeKeyStatus(std::string_view key_id, std::string_view project_id, int strikes,
                            const std::optional<core::TimePoint>& blocked_until);

// {"error": message}
std::string EncodeError(std::string_view message);

// {"success": false, "error": message}
std::string EncodeFailure(std::string_view message);

}  // namespace leadgate::api

// File: lead_read_json.hpp
//
// Bodies of GET /leads/get, POST /leads/query and POST /leads/update (docs/api.md "Reading and
// changing leads"), and the query's opaque cursor.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/activity.hpp"
#include "core/lead.hpp"
#include "core/lead_store.hpp"

namespace leadgate::api {

// "+14155552671" -> "+*******2671": every digit but the last four becomes '*'.
std::string MaskPhone(std::string_view e164);

// {"success": true, "data": <lead> + "lastDisposition" + "activities": [...]}
std::string EncodeLeadDetail(const core::Lead& lead, const std::vector<core::Activity>& activities);

// {"success": true, "data": [<lead>...], "nextCursor": "..." | null}
std::string EncodeLeadPage(const std::vector<core::Lead>& leads,
                           const std::optional<core::LeadCursor>& next);

// {"success": true, "message": "Lead updated", "updateId": "...", "data": <lead>}
std::string EncodeLeadUpdated(std::string_view update_id, const core::Lead& lead);

// The cursor is opaque to clients: "<created_at ms>.<id>" in hex-safe text, so it survives any
// URL or JSON without escaping. Decode returns nullopt for anything not made by Encode.
std::string EncodeCursor(const core::LeadCursor& cursor);
std::optional<core::LeadCursor> DecodeCursor(std::string_view text);

}  // namespace leadgate::api

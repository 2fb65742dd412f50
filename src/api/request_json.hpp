// File: request_json.hpp
//
// JSON request bodies -> plain structs. Wire format only: no rules beyond "what did the client
// send, and of which JSON type". Every byte of the body is validated (structure, UTF-8, escapes,
// numbers), not only the fields read, so a malformed document is always "Invalid JSON body".
//
//   auto body = DecodeBulkInitiate(text);
//   if (!body) return BadRequest("Invalid JSON body");
//
// Parsing uses simdjson On-Demand with parsers reused per thread (thread_local). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/ingest_service.hpp"
#include "core/lead.hpp"

namespace leadgate::api {

// Documents nested deeper than this are rejected whole as invalid JSON: the walk that validates
// them is recursive, and no lead needs more (metadata is limited to depth 8).
inline constexpr int kMaxDocumentDepth = 64;

// A field that must be an array when present.
template <class T>
struct ArrayField {
  bool present = false;     // given and not null
  bool wrong_type = false;  // given, not null, not an array
  std::vector<T> items;
};

// A boolean field: nullopt when absent or null.
struct BoolField {
  std::optional<bool> value;
  bool wrong_type = false;
};

// POST /leads/bulk/initiate
struct BulkInitiateBody {
  ArrayField<core::LeadInput> leads;
  ArrayField<core::LeadIdInput> lead_ids;
  BoolField init;
};

// POST /leads/initiate
struct SingleInitiateBody {
  std::optional<core::LeadInput> lead;  // given and not null (any JSON type: see LeadInput)
  bool lead_not_object = false;
  std::optional<core::LeadIdInput> lead_id;  // given and not null
  BoolField init;
};

// kInvalidArgument when the body is not valid JSON (syntax, UTF-8, nesting) or not an object.
core::Result<BulkInitiateBody> DecodeBulkInitiate(std::string_view body);
core::Result<SingleInitiateBody> DecodeSingleInitiate(std::string_view body);

}  // namespace leadgate::api

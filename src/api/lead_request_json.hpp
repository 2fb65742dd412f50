// File: lead_request_json.hpp
//
// Request bodies of POST /leads/query and POST /leads/update. These are small, so they are read
// with RapidJSON's DOM (iterative, UTF-8 validated) rather than the bulk path's simdjson
// On-Demand walk; the metadata merge of an update needs a DOM anyway.
//
// Errors are kInvalidArgument whose message is the exact text for the client's 400, e.g.
// "Invalid JSON body", "limit must be an integer from 1 to 1000", "Unknown field: procesId".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace leadgate::api {

struct QueryBody {
  std::optional<std::string> process_id;
  std::optional<std::string> group_id;
  std::optional<std::string> current_state;
  std::optional<std::string> reference_id;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<std::string> created_from;
  std::optional<std::string> created_to;
  std::optional<std::string> cursor;
  std::optional<std::int64_t> limit;  // validated: 1..1000
};

core::Result<QueryBody> DecodeQueryBody(std::string_view body);

// One key of a metadata patch: the new value as JSON text, or nullopt to delete the key.
using MetadataPatch = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct UpdateBody {
  std::optional<std::string> lead_id;
  std::optional<std::string> reference_id;
  std::optional<std::string> project_id;
  std::optional<std::string> process_id;
  std::optional<std::string> name;
  std::optional<std::string> target_state;
  std::optional<std::string> disposition;
  std::optional<std::string> user_id;
  bool has_metadata = false;
  MetadataPatch metadata;  // the `metadata` object's keys
  MetadataPatch extra;     // every other top-level field, in order
};

// Identity fields (phone, email) are refused: "<field> cannot be changed through update".
core::Result<UpdateBody> DecodeUpdateBody(std::string_view body);

// Applies a shallow patch to a stored metadata object (nullopt: none yet). Returns the minified
// result, or nullopt when it ends up empty. Errors (kInvalidArgument, client text): the result
// breaks the metadata limits of docs/api.md.
core::Result<std::optional<std::string>> MergeMetadata(const std::optional<std::string>& current,
                                                       const MetadataPatch& patch);

}  // namespace leadgate::api

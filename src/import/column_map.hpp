// File: column_map.hpp
//
// Which input column becomes which lead field, and the lead JSON a Record turns into.
//
// Columns map by name, compared case-insensitively and ignoring '_', '-' and spaces: `phone`,
// `email`, `first_name` / `firstName`, `name`, `last_name` / `lastName`, `reference_id` /
// `referenceId`, `group_id` / `groupId`. `projectId` / `processId` columns are ignored (the
// command's --project / --process decide). Every other column goes into `metadata` under its
// own name, as a string (NDJSON: non-string values keep their JSON type). `--map column=field`
// overrides by exact column name; `field` is a lead field name (either spelling),
// `metadata.KEY`, or `skip`. Empty values are left out (the API treats "" as absent).
//
//   auto map = ColumnMap::Create({"Mobile=phone", "Notes=skip"});
//   LeadEncoder encoder(*map, project, process, /*region=*/"", nullptr);
//   if (auto failure = encoder.Append(record, body)) Report(*failure);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "import/record.hpp"

namespace leadgate::core {
class PhoneNumbers;
}  // namespace leadgate::core

namespace leadgate::import {

struct ColumnTarget {
  enum class Kind { kLeadField, kMetadata, kSkip };
  Kind kind = Kind::kMetadata;
  std::string name;  // the API field name ("firstName") or the metadata key

  bool operator==(const ColumnTarget&) const = default;
};

class ColumnMap {
 public:
  // `overrides`: "column=field" items (--map). kInvalidArgument for a malformed item or an
  // unknown field.
  static core::Result<ColumnMap> Create(const std::vector<std::string>& overrides);

  ColumnTarget For(std::string_view column) const;

 private:
  std::unordered_map<std::string, ColumnTarget> overrides_;
};

// Why a record is not sent: reported in the results file as `invalid` with this code.
struct LocalFailure {
  std::string code;  // unreadable_row | invalid_utf8 | missing_contact
  std::string message;

  bool operator==(const LocalFailure&) const = default;
};

class LeadEncoder {
 public:
  // `region` non-empty: phones are parsed with it (unless they start with '+') and sent in
  // E.164 when valid (as sent otherwise: the server reports them); `phones` must then be set.
  LeadEncoder(ColumnMap map, std::string project_id, std::string process_id, std::string region,
              const core::PhoneNumbers* phones);

  // Appends the record's lead object (projectId, processId, mapped fields, metadata) to `out`,
  // or returns why it must not be sent (and appends nothing): the record could not be read, a
  // value is not valid UTF-8 (the whole request would be rejected as invalid JSON), or it has
  // neither phone nor email.
  std::optional<LocalFailure> Append(const Record& record, std::string& out) const;

 private:
  ColumnMap map_;
  std::string prefix_;  // {"projectId":"...","processId":"..."
  std::string region_;
  const core::PhoneNumbers* phones_;
};

// Appends `s` as a JSON string literal to `out` (s must be valid UTF-8).
void AppendJsonString(std::string_view s, std::string& out);

}  // namespace leadgate::import

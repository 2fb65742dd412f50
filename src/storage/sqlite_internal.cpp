// File: sqlite_internal.cpp
#include "storage/sqlite_internal.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadgate::storage::internal {

using core::ErrorCode;
using core::MakeError;

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<core::Lead> ReadLead(const Stmt& s) {
  core::Lead l;
  l.id = s.ColText(0);
  l.project_id = s.ColText(1);
  l.process_id = s.ColText(2);
  l.group_id = s.ColOptText(3);
  l.name = s.ColOptText(4);
  l.first_name = s.ColOptText(5);
  l.last_name = s.ColOptText(6);
  l.phone = s.ColOptText(7);
  l.email = s.ColOptText(8);
  l.reference_id = s.ColOptText(9);
  l.metadata_json = s.ColOptText(10);
  const std::string state = s.ColText(11);
  const std::optional<core::LeadState> parsed = core::ParseLeadState(state);
  if (!parsed)
    return MakeError(ErrorCode::kInternal, "sqlite: lead " + l.id + " has state " + state);
  l.state = *parsed;
  l.attempts = static_cast<int>(s.ColInt(12));
  if (!s.ColIsNull(13)) l.next_attempt_at = core::FromUnixMillis(s.ColInt(13));
  l.created_at = core::FromUnixMillis(s.ColInt(14));
  l.updated_at = core::FromUnixMillis(s.ColInt(15));
  const std::string created_state = s.ColText(16);
  const std::optional<core::LeadState> parsed_created = core::ParseLeadState(created_state);
  if (!parsed_created) {
    return MakeError(ErrorCode::kInternal,
                     "sqlite: lead " + l.id + " has created_state " + created_state);
  }
  l.created_state = *parsed_created;
  l.last_disposition = s.ColOptText(17);
  return l;
}

Result<std::optional<std::int64_t>> LookupSeq(sqlite3_stmt* raw, std::string_view id,
                                              std::optional<std::int64_t> scope,
                                              std::string_view what) {
  Stmt s(raw);
  s.Text(1, id);
  if (scope) s.Int(2, *scope);
  LEADGATE_TRY(row, s.Step(what));
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(s.ColInt(0));
}

Status InsertOrAlreadyExists(Stmt& s, std::string_view what, std::string clash) {
  auto r = s.Step(what);
  if (r) return {};
  if (IsUniqueViolation(s.last_rc())) return MakeError(ErrorCode::kAlreadyExists, std::move(clash));
  return std::unexpected(r.error());
}

namespace {

// An activity's `fields` as stored (0003_lead_reads.sql): NULL for none, else a JSON array of
// strings. Escapes what JSON requires ("\\", "\"", control characters); everything else,
// UTF-8 included, is copied as is.
std::optional<std::string> EncodeFields(const std::vector<std::string>& fields) {
  if (fields.empty()) return std::nullopt;
  std::string out = "[";
  for (const std::string& field : fields) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : field) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[(c >> 4) & 0xf];
        out += kHex[c & 0xf];
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

std::optional<std::string> OptStateText(const std::optional<core::LeadState>& state) {
  if (!state) return std::nullopt;
  return std::string(core::ToString(*state));
}

}  // namespace

Status InsertActivity(sqlite3_stmt* raw, const std::string& lead_id,
                      const core::Activity& activity) {
  const std::optional<std::string> fields = EncodeFields(activity.fields);
  const std::optional<std::string> from = OptStateText(activity.from);
  const std::optional<std::string> to = OptStateText(activity.to);
  Stmt s(raw);
  s.Text(1, activity.id)
      .Text(2, lead_id)
      .Text(3, core::ToString(activity.type))
      .Int(4, core::ToUnixMillis(activity.at))
      .OptText(5, activity.user_id)
      .OptText(6, fields)
      .OptText(7, from)
      .OptText(8, to)
      .OptText(9, activity.disposition);
  LEADGATE_TRY(done, s.Step("insert activity"));
  return {};
}

}  // namespace leadgate::storage::internal

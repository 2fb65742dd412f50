// File: postgres_rows.cpp
#include "storage/postgres_rows.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadgate::storage::internal {

using core::ErrorCode;
using core::MakeError;

std::string LowerLeadId(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<core::Lead> ReadLead(const PgResult& res, int row, int first) {
  const auto col = [first](int c) { return first + c; };
  core::Lead l;
  l.id = res.Text(row, col(0));
  l.project_id = res.Text(row, col(1));
  l.process_id = res.Text(row, col(2));
  l.group_id = res.OptText(row, col(3));
  l.name = res.OptText(row, col(4));
  l.first_name = res.OptText(row, col(5));
  l.last_name = res.OptText(row, col(6));
  l.phone = res.OptText(row, col(7));
  l.email = res.OptText(row, col(8));
  l.reference_id = res.OptText(row, col(9));
  l.metadata_json = res.OptText(row, col(10));
  const std::string state = res.Text(row, col(11));
  const std::optional<core::LeadState> parsed = core::ParseLeadState(state);
  if (!parsed)
    return MakeError(ErrorCode::kInternal, "postgres: lead " + l.id + " has state " + state);
  l.state = *parsed;
  l.attempts = static_cast<int>(res.Int(row, col(12)));
  if (const auto next = res.OptInt(row, col(13))) l.next_attempt_at = core::FromUnixMillis(*next);
  l.created_at = core::FromUnixMillis(res.Int(row, col(14)));
  l.updated_at = core::FromUnixMillis(res.Int(row, col(15)));
  const std::string created_state = res.Text(row, col(16));
  const std::optional<core::LeadState> parsed_created = core::ParseLeadState(created_state);
  if (!parsed_created) {
    return MakeError(ErrorCode::kInternal,
                     "postgres: lead " + l.id + " has created_state " + created_state);
  }
  l.created_state = *parsed_created;
  l.last_disposition = res.OptText(row, col(17));
  return l;
}

Result<std::optional<core::LeadState>> ReadOptState(const PgResult& res, int row, int col) {
  if (res.IsNull(row, col)) return std::optional<core::LeadState>();
  const std::string text = res.Text(row, col);
  const std::optional<core::LeadState> state = core::ParseLeadState(text);
  if (!state) return MakeError(ErrorCode::kInternal, "postgres: activity has state " + text);
  return state;
}

std::optional<std::string> OptStateText(const std::optional<core::LeadState>& state) {
  if (!state) return std::nullopt;
  return std::string(core::ToString(*state));
}

Status InsertForProject(PgConnection& conn, std::string_view sql, const PgParams& params,
                        std::string_view what, std::string missing, std::string clash) {
  auto res = conn.Exec(sql, params, what);
  if (!res) {
    if (conn.last_sqlstate() == kUniqueViolation) {
      return MakeError(ErrorCode::kAlreadyExists, std::move(clash));
    }
    return std::unexpected(res.error());
  }
  if (res->Affected() == 0) return MakeError(ErrorCode::kNotFound, std::move(missing));
  return {};
}

std::vector<std::string> ParseTextArray(std::string_view literal) {
  std::vector<std::string> out;
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') return out;
  const std::string_view body = literal.substr(1, literal.size() - 2);
  std::size_t i = 0;
  while (i < body.size()) {
    std::string element;
    if (body[i] == '"') {
      // Quoted: backslash escapes the next character; ends at the unescaped quote.
      for (++i; i < body.size() && body[i] != '"'; ++i) {
        if (body[i] == '\\' && i + 1 < body.size()) ++i;
        element += body[i];
      }
      ++i;  // the closing quote
    } else {
      while (i < body.size() && body[i] != ',') element += body[i++];
    }
    out.push_back(std::move(element));
    ++i;  // the comma
  }
  return out;
}

Status InsertActivity(PgConnection& conn, const std::string& project_id, const std::string& lead_id,
                      const core::Activity& activity) {
  std::optional<std::string> fields;
  if (!activity.fields.empty()) {
    PgArray array;
    for (const std::string& f : activity.fields) array.Text(f);
    fields = array.Finish();
  }
  PgParams p;
  p.Text(project_id)
      .Text(activity.id)
      .Text(lead_id)
      .Text(core::ToString(activity.type))
      .Int(core::ToUnixMillis(activity.at))
      .OptText(activity.user_id)
      .OptText(fields)
      .OptText(OptStateText(activity.from))
      .OptText(OptStateText(activity.to))
      .OptText(activity.disposition);
  LEADGATE_PG_TRY(res, conn.Exec("INSERT INTO activities (project_seq, id, lead_id, type, at, "
                                 "user_id, fields, from_state, to_state, disposition) "
                                 "SELECT seq, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10 "
                                 "FROM projects WHERE id = $1",
                                 p, "insert activity"));
  return {};
}

}  // namespace leadgate::storage::internal

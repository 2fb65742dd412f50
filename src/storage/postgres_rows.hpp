// File: postgres_rows.hpp
//
// How PostgresLeadStore's rows map to core types and back (internal to src/storage/): the column
// lists its SELECTs use and the readers of those columns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/activity.hpp"
#include "core/lead.hpp"
#include "storage/postgres_connection.hpp"

namespace leadgate::storage::internal {

// Leads reference projects and processes by bigint seq (0001_init.sql); the text ids come back
// through the joins. Aliases: l = leads, pj = projects, pr = processes.
#define LEADGATE_PG_LEAD_COLUMNS                                                          \
  "l.id, pj.id, pr.id, l.group_id, l.name, l.first_name, l.last_name, l.phone, l.email, " \
  "l.reference_id, l.metadata, l.state, l.attempts, l.next_attempt_at, l.created_at, "    \
  "l.updated_at, l.created_state, l.last_disposition"
#define LEADGATE_PG_LEAD_FROM                                                               \
  " FROM leads l JOIN projects pj ON pj.seq = l.project_seq JOIN processes pr ON pr.seq = " \
  "l.process_seq"

// Lead ids are matched case-insensitively, as ObjectIds are (as in SQLite).
std::string LowerLeadId(std::string_view s);

// The lead in row `row`, columns LEADGATE_PG_LEAD_COLUMNS from `first`.
Result<core::Lead> ReadLead(const PgResult& res, int row, int first = 0);

Result<std::optional<core::LeadState>> ReadOptState(const PgResult& res, int row, int col);

std::optional<std::string> OptStateText(const std::optional<core::LeadState>& state);

// Runs an INSERT ... SELECT ... FROM projects WHERE id = <project>: 0 rows means no such project
// (kNotFound with `missing`); a unique violation means the id is taken (kAlreadyExists with
// `clash`). "No such project" wins, as in every store: nothing is inserted, so nothing clashes.
Status InsertForProject(PgConnection& conn, std::string_view sql, const PgParams& params,
                        std::string_view what, std::string missing, std::string clash);

// A text[] column as returned in text format ({a,"b c"}), split into its elements. NULL
// elements are not expected (the store never writes them) and come back as "NULL".
std::vector<std::string> ParseTextArray(std::string_view literal);

// Appends one activity of lead_id in project_id (whatever activity.lead_id says: an entry belongs
// to the lead whose transaction writes it).
Status InsertActivity(PgConnection& conn, const std::string& project_id, const std::string& lead_id,
                      const core::Activity& activity);

}  // namespace leadgate::storage::internal

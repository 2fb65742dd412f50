// File: postgres_lead_reads.cpp
//
// PostgresLeadStore's lead reads and updates: GetLead, CountLeads, FindLeadByReference,
// ListActivities, QueryLeads, UpdateLead, and RecordCallAttempt. Same SQL shapes as SQLite's
// (sqlite_lead_reads.cpp); the indexes they use are in migrations/postgres/0001_init.sql.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/postgres_connection.hpp"
#include "storage/postgres_lead_store.hpp"
#include "storage/postgres_rows.hpp"

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;
using internal::LowerLeadId;
using internal::PgConnection;
using internal::PgParams;
using internal::PgResult;
using internal::ReadLead;

namespace {

constexpr const char* kGetLeadSql =
    "SELECT " LEADGATE_PG_LEAD_COLUMNS LEADGATE_PG_LEAD_FROM " WHERE pj.id = $2 AND l.id = $1";

std::int64_t ClampLimit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(limit, kMax));
}

std::optional<core::ActivityType> ParseActivityType(std::string_view s) {
  for (const core::ActivityType t :
       {core::ActivityType::kCreated, core::ActivityType::kInitialized,
        core::ActivityType::kUpdated, core::ActivityType::kStateChanged}) {
    if (core::ToString(t) == s) return t;
  }
  return std::nullopt;
}

Result<core::Activity> ReadActivity(const PgResult& r, int row) {
  core::Activity a;
  a.id = r.Text(row, 0);
  a.lead_id = r.Text(row, 1);
  const std::string type = r.Text(row, 2);
  const std::optional<core::ActivityType> parsed = ParseActivityType(type);
  if (!parsed) return MakeError(ErrorCode::kInternal, "postgres: activity has type " + type);
  a.type = *parsed;
  a.at = core::FromUnixMillis(r.Int(row, 3));
  a.user_id = r.OptText(row, 4);
  if (!r.IsNull(row, 5)) a.fields = internal::ParseTextArray(r.Text(row, 5));
  LEADGATE_PG_TRY(from, internal::ReadOptState(r, row, 6));
  a.from = *from;
  LEADGATE_PG_TRY(to, internal::ReadOptState(r, row, 7));
  a.to = *to;
  a.disposition = r.OptText(row, 8);
  return a;
}

// The newest-first query for the set filters of `q`, with its parameters numbered in order of
// appearance (an unused $n would have no inferable type). Plans as in SQLite: email ->
// leads_unique_email; phone or referenceId -> their unique index, probed once per process of
// the project when processId is not given (the IN list lets the planner use the index's
// process_seq column instead of scanning the project's whole range); groupId -> leads_by_group;
// otherwise leads_by_project_created read backwards from the cursor.
std::string QuerySql(const core::LeadQuery& q, PgParams* p) {
  int n = 0;
  auto next = [&n] { return "$" + std::to_string(++n); };
  std::string sql = "SELECT " LEADGATE_PG_LEAD_COLUMNS LEADGATE_PG_LEAD_FROM " WHERE ";
  p->Text(q.project_id);
  const std::string project = next();
  sql += "l.project_seq = (SELECT seq FROM projects WHERE id = " + project + ")";
  if (q.process_id) {
    p->Text(*q.process_id);
    sql += " AND l.process_seq = (SELECT seq FROM processes WHERE id = " + next() + ")";
  } else if (q.reference_id || q.phone) {
    sql +=
        " AND l.process_seq IN (SELECT seq FROM processes WHERE project_seq = "
        "(SELECT seq FROM projects WHERE id = " +
        project + "))";
  }
  if (q.group_id) {
    p->Text(*q.group_id);
    sql += " AND l.group_id = " + next();
  }
  if (q.state) {
    p->Text(core::ToString(*q.state));
    sql += " AND l.state = " + next();
  }
  if (q.reference_id) {
    p->Text(*q.reference_id);
    sql += " AND l.reference_id = " + next();
  }
  if (q.phone) {
    p->Text(*q.phone);
    sql += " AND l.phone = " + next();
  }
  if (q.email) {
    p->Text(*q.email);
    sql += " AND l.email = " + next();
  }
  if (q.created_from) {
    p->Int(core::ToUnixMillis(*q.created_from));
    sql += " AND l.created_at >= " + next() + "::bigint";
  }
  if (q.created_to) {
    p->Int(core::ToUnixMillis(*q.created_to));
    sql += " AND l.created_at <= " + next() + "::bigint";
  }
  if (q.after) {
    p->Int(core::ToUnixMillis(q.after->created_at)).Text(q.after->id);
    const std::string at = next();
    sql += " AND (l.created_at, l.id) < (" + at + "::bigint, " + next() + "::text)";
  }
  p->Int(ClampLimit(q.limit));
  sql += " ORDER BY l.created_at DESC, l.id DESC LIMIT " + next() + "::bigint";
  return sql;
}

}  // namespace

Result<std::optional<core::Lead>> PostgresLeadStore::GetLead(const std::string& project_id,
                                                             const std::string& lead_id) {
  std::optional<core::Lead> out;
  if (internal::AnyNul({project_id, lead_id})) return out;
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(
        res,
        conn.Exec(kGetLeadSql, PgParams().Text(LowerLeadId(lead_id)).Text(project_id), "get lead"));
    if (res->rows() == 0) return {};
    LEADGATE_PG_TRY(lead, ReadLead(*res, 0));
    out = std::move(*lead);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Result<std::int64_t> PostgresLeadStore::CountLeads(const std::string& project_id) {
  std::int64_t out = 0;
  if (internal::AnyNul({project_id})) return out;
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("SELECT count(*) FROM leads WHERE project_seq = "
                                   "(SELECT seq FROM projects WHERE id = $1)",
                                   PgParams().Text(project_id), "count leads"));
    out = res->Int(0, 0);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Result<std::optional<core::Lead>> PostgresLeadStore::FindLeadByReference(
    const std::string& project_id, const std::string& process_id, const std::string& reference_id) {
  std::optional<core::Lead> out;
  if (internal::AnyNul({project_id, process_id, reference_id})) return out;
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    // The process is resolved within the project, so another project's process finds nothing;
    // then one probe of leads_unique_reference.
    LEADGATE_PG_TRY(res, conn.Exec("SELECT " LEADGATE_PG_LEAD_COLUMNS LEADGATE_PG_LEAD_FROM
                                   " WHERE pj.id = $1 AND pr.id = $2 AND l.reference_id = $3",
                                   PgParams().Text(project_id).Text(process_id).Text(reference_id),
                                   "find lead by reference"));
    if (res->rows() == 0) return {};
    LEADGATE_PG_TRY(lead, ReadLead(*res, 0));
    out = std::move(*lead);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

// Leads are never deleted and their created_at / created_state never change, so the lead and
// its rows need no common snapshot: a row appended in between is simply part of the answer.
Result<std::vector<core::Activity>> PostgresLeadStore::ListActivities(const std::string& project_id,
                                                                      const std::string& lead_id,
                                                                      std::size_t limit) {
  const std::string id = LowerLeadId(lead_id);
  std::vector<core::Activity> out;
  if (internal::AnyNul({project_id, lead_id})) {
    return MakeError(ErrorCode::kNotFound, "lead " + lead_id + " not found");
  }
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec(kGetLeadSql, PgParams().Text(id).Text(project_id), "get lead"));
    if (res->rows() == 0) return MakeError(ErrorCode::kNotFound, "lead " + lead_id + " not found");
    LEADGATE_PG_TRY(lead, ReadLead(*res, 0));
    std::vector<core::Activity> derived = core::DerivedActivities(*lead);
    LEADGATE_PG_TRY(
        rows,
        conn.Exec("SELECT a.id, a.lead_id, a.type, a.at, a.user_id, a.fields, "
                  "a.from_state, a.to_state, a.disposition FROM activities a "
                  "WHERE a.project_seq = (SELECT seq FROM projects WHERE id = $2) "
                  "AND a.lead_id = $1 ORDER BY a.at DESC, a.seq DESC LIMIT $3",
                  PgParams().Text(id).Text(project_id).Int(ClampLimit(limit)), "list activities"));
    for (int r = 0; r < rows->rows(); ++r) {
      LEADGATE_PG_TRY(activity, ReadActivity(*rows, r));
      // Rows are newest first; the derived entries go before the first row that is older than
      // the lead (ties: a stored row was written after the lead, so it comes first).
      if (!derived.empty() && activity->at < lead->created_at) {
        std::move(derived.begin(), derived.end(), std::back_inserter(out));
        derived.clear();
      }
      out.push_back(std::move(*activity));
    }
    std::move(derived.begin(), derived.end(), std::back_inserter(out));
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<core::Lead>> PostgresLeadStore::QueryLeads(const core::LeadQuery& query) {
  std::vector<core::Lead> out;
  if (query.limit == 0) return out;
  const auto filter = [](const std::optional<std::string>& v) {
    return v ? std::string_view(*v) : std::string_view();
  };
  if (internal::AnyNul({query.project_id, filter(query.process_id), filter(query.group_id),
                        filter(query.reference_id), filter(query.phone), filter(query.email),
                        query.after ? std::string_view(query.after->id) : std::string_view()})) {
    return out;
  }
  PgParams params;
  const std::string sql = QuerySql(query, &params);
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec(sql, params, "query leads"));
    for (int r = 0; r < res->rows(); ++r) {
      LEADGATE_PG_TRY(lead, ReadLead(*res, r));
      out.push_back(std::move(*lead));
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Result<core::Lead> PostgresLeadStore::UpdateLead(
    const std::string& project_id, const std::string& lead_id,
    const std::function<Result<core::LeadMutation>(const core::Lead&)>& mutate) {
  const std::string id = LowerLeadId(lead_id);
  core::Lead stored;
  auto read = [&](PgConnection& conn, bool lock) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec(lock ? std::string(kGetLeadSql) + " FOR UPDATE OF l"
                                        : std::string(kGetLeadSql),
                                   PgParams().Text(id).Text(project_id), "get lead"));
    if (res->rows() == 0) return MakeError(ErrorCode::kNotFound, "lead " + lead_id + " not found");
    LEADGATE_PG_TRY(lead, ReadLead(*res, 0));
    stored = std::move(*lead);
    return {};
  };
  auto ok = InTransaction("update lead", [&](PgConnection& conn) -> Status {
    // The row lock serialises read-modify-writes of one lead across every connection and
    // instance: a concurrent update waits here and then reads this one's result.
    if (auto found = read(conn, true); !found) return found;
    LEADGATE_PG_TRY(mutation, mutate(stored));
    const core::Lead& next = mutation->lead;
    PgParams p;
    p.Text(stored.id)
        .Text(project_id)
        .OptText(next.name)
        .OptText(next.first_name)
        .OptText(next.last_name)
        .OptText(next.metadata_json)
        .Text(core::ToString(next.state))
        .OptText(next.last_disposition)
        .OptInt(next.next_attempt_at ? std::optional(core::ToUnixMillis(*next.next_attempt_at))
                                     : std::nullopt)
        .Int(core::ToUnixMillis(next.updated_at));
    LEADGATE_PG_TRY(done,
                    conn.Exec("UPDATE leads l SET name = $3, first_name = $4, last_name = $5, "
                              "metadata = $6, state = $7, last_disposition = $8, "
                              "next_attempt_at = $9, updated_at = $10 FROM projects pj "
                              "WHERE pj.id = $2 AND l.project_seq = pj.seq AND l.id = $1",
                              p, "update lead"));
    for (const core::Activity& activity : mutation->activities) {
      if (auto inserted = internal::InsertActivity(conn, project_id, stored.id, activity);
          !inserted) {
        return inserted;
      }
    }
    return read(conn, false);
  });
  if (!ok) return std::unexpected(ok.error());
  return stored;
}

Status PostgresLeadStore::RecordCallAttempt(const std::string& attempt_id,
                                            const std::string& project_id,
                                            const std::string& lead_id, const std::string& phone,
                                            core::TimePoint at) {
  PgParams p;
  p.Text(attempt_id).Text(project_id).Text(lead_id).Text(phone).Int(core::ToUnixMillis(at));
  return OnConnection([&](PgConnection& conn) -> Status {
    return internal::InsertForProject(
        conn,
        "INSERT INTO call_attempts (project_seq, id, lead_id, phone, at) "
        "SELECT seq, $1, $3, $4, $5 FROM projects WHERE id = $2",
        p, "insert call attempt", "project " + project_id + " not found",
        "call attempt " + attempt_id + " already exists");
  });
}

}  // namespace leadgate::storage

// File: sqlite_lead_reads.cpp
//
// SqliteLeadStore's lead reads and updates (0003): GetLead, CountLeads, FindLeadByReference,
// ListActivities, QueryLeads, UpdateLead, and RecordCallAttempt. The measurements behind the 0003
// indexes are in the design notes of sqlite_ingest.cpp.
#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/sqlite_internal.hpp"
#include "storage/sqlite_lead_store.hpp"
#include "storage/sqlite_statement.hpp"

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;
using internal::InsertActivity;
using internal::InsertOrAlreadyExists;
using internal::LookupSeq;
using internal::LowerAscii;
using internal::Q;
using internal::ReadLead;
using internal::Stmt;

Result<std::optional<core::Lead>> SqliteLeadStore::GetLead(const std::string& project_id,
                                                           const std::string& lead_id) {
  const std::string id = LowerAscii(lead_id);
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kGetLead);
  s.Text(1, id).Text(2, project_id);
  LEADGATE_TRY(row, s.Step("get lead"));
  if (!*row) return std::optional<core::Lead>();
  LEADGATE_TRY(lead, ReadLead(s));
  return std::optional<core::Lead>(std::move(*lead));
}

Result<std::int64_t> SqliteLeadStore::CountLeads(const std::string& project_id) {
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kCountLeads);
  s.Text(1, project_id);
  LEADGATE_TRY(row, s.Step("count leads"));
  return *row ? s.ColInt(0) : std::int64_t{0};
}

Result<std::optional<core::Lead>> SqliteLeadStore::FindLeadByReference(
    const std::string& project_id, const std::string& process_id, const std::string& reference_id) {
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kFindLeadByProcessReference);
  s.Text(1, project_id).Text(2, process_id).Text(3, reference_id);
  LEADGATE_TRY(row, s.Step("find lead by reference"));
  if (!*row) return std::optional<core::Lead>();
  LEADGATE_TRY(lead, ReadLead(s));
  return std::optional<core::Lead>(std::move(*lead));
}

namespace {

std::optional<core::ActivityType> ParseActivityType(std::string_view s) {
  for (const core::ActivityType t :
       {core::ActivityType::kCreated, core::ActivityType::kInitialized,
        core::ActivityType::kUpdated, core::ActivityType::kStateChanged}) {
    if (core::ToString(t) == s) return t;
  }
  return std::nullopt;
}

std::int64_t ClampLimit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(limit, kMax));
}

Result<std::optional<core::LeadState>> ColOptState(const Stmt& s, int col) {
  if (s.ColIsNull(col)) return std::optional<core::LeadState>();
  const std::string text = s.ColText(col);
  const std::optional<core::LeadState> state = core::ParseLeadState(text);
  if (!state) return MakeError(ErrorCode::kInternal, "sqlite: activity has state " + text);
  return state;
}

// One kListActivities row; `field_list` (kFieldList on the same connection) unpacks `fields`.
Result<core::Activity> ReadActivity(const Stmt& s, sqlite3_stmt* field_list) {
  core::Activity a;
  a.id = s.ColText(0);
  a.lead_id = s.ColText(1);
  const std::string type = s.ColText(2);
  const std::optional<core::ActivityType> parsed = ParseActivityType(type);
  if (!parsed) return MakeError(ErrorCode::kInternal, "sqlite: activity has type " + type);
  a.type = *parsed;
  a.at = core::FromUnixMillis(s.ColInt(3));
  a.user_id = s.ColOptText(4);
  if (!s.ColIsNull(5)) {
    const std::string json = s.ColText(5);
    Stmt f(field_list);
    f.Text(1, json);
    while (true) {
      LEADGATE_TRY(row, f.Step("read activity fields"));
      if (!*row) break;
      a.fields.push_back(f.ColText(0));
    }
  }
  LEADGATE_TRY(from, ColOptState(s, 6));
  a.from = *from;
  LEADGATE_TRY(to, ColOptState(s, 7));
  a.to = *to;
  a.disposition = s.ColOptText(8);
  return a;
}

}  // namespace

// Leads are never deleted and their created_at / created_state never change, so the lead and
// its rows need no common snapshot: a row appended in between is simply part of the answer.
Result<std::vector<core::Activity>> SqliteLeadStore::ListActivities(const std::string& project_id,
                                                                    const std::string& lead_id,
                                                                    std::size_t limit) {
  const std::string id = LowerAscii(lead_id);
  ReaderLease reader = AcquireReader();
  core::Lead lead;
  {
    LEADGATE_STMT(s, *reader, Q::kGetLead);
    s.Text(1, id).Text(2, project_id);
    LEADGATE_TRY(row, s.Step("get lead"));
    if (!*row) return MakeError(ErrorCode::kNotFound, "lead " + lead_id + " not found");
    LEADGATE_TRY(read, ReadLead(s));
    lead = std::move(*read);
  }
  std::vector<core::Activity> out;
  std::vector<core::Activity> derived = core::DerivedActivities(lead);
  LEADGATE_TRY(field_list, (*reader).Get(Q::kFieldList));
  {
    LEADGATE_STMT(s, *reader, Q::kListActivities);
    s.Text(1, id).Int(2, ClampLimit(limit));
    while (true) {
      LEADGATE_TRY(row, s.Step("list activities"));
      if (!*row) break;
      LEADGATE_TRY(activity, ReadActivity(s, *field_list));
      // Rows are newest first; the derived entries go before the first row that is older than
      // the lead (ties: a stored row was written after the lead, so it comes first).
      if (!derived.empty() && activity->at < lead.created_at) {
        std::move(derived.begin(), derived.end(), std::back_inserter(out));
        derived.clear();
      }
      out.push_back(std::move(*activity));
    }
  }
  std::move(derived.begin(), derived.end(), std::back_inserter(out));
  if (out.size() > limit) out.resize(limit);
  return out;
}

namespace {

// QueryLeads filters, one bit each in the statement cache key; the SQL parameter of each is
// fixed (?1 project, ?2 process, ... ?12 limit) so every combination binds the same way.
enum QueryFilter : unsigned {
  kByProcess = 1U << 0,
  kByGroup = 1U << 1,
  kByState = 1U << 2,
  kByReference = 1U << 3,
  kByPhone = 1U << 4,
  kByEmail = 1U << 5,
  kCreatedFrom = 1U << 6,
  kCreatedTo = 1U << 7,
  kAfter = 1U << 8,
};

unsigned QueryMask(const core::LeadQuery& q) {
  unsigned mask = 0;
  if (q.process_id) mask |= kByProcess;
  if (q.group_id) mask |= kByGroup;
  if (q.state) mask |= kByState;
  if (q.reference_id) mask |= kByReference;
  if (q.phone) mask |= kByPhone;
  if (q.email) mask |= kByEmail;
  if (q.created_from) mask |= kCreatedFrom;
  if (q.created_to) mask |= kCreatedTo;
  if (q.after) mask |= kAfter;
  return mask;
}

// The newest-first query for one filter combination. Plans (no ANALYZE statistics needed; the
// equality prefix decides): email -> leads_unique_email probe; phone or referenceId ->
// leads_unique_phone / _reference probes, one per process of the project when processId is not
// given (the IN list is logically redundant: a lead's process is always of its project);
// groupId -> leads_by_group; otherwise (processId, state, time range) leads_by_project_created
// read backwards from the cursor, the other filters checked per row (0003_lead_reads.sql says
// why processId and state have no index of their own).
std::string QuerySql(unsigned mask) {
  std::string sql =
      "SELECT l.id, pj.id, pr.id, l.group_id, l.name, l.first_name, l.last_name, l.phone, "
      "l.email, l.reference_id, l.metadata, l.state, l.attempts, l.next_attempt_at, "
      "l.created_at, l.updated_at, l.created_state, l.last_disposition "
      "FROM leads l ";
  // Without statistics the planner prefers the created order (no sort) even for a point lookup,
  // so phone and referenceId name their unique index (a handful of rows to sort at most).
  if ((mask & kByPhone) != 0) {
    sql += "INDEXED BY leads_unique_phone ";
  } else if ((mask & kByReference) != 0) {
    sql += "INDEXED BY leads_unique_reference ";
  }
  sql +=
      "JOIN projects pj ON pj.seq = l.project_seq "
      "JOIN processes pr ON pr.seq = l.process_seq "
      "WHERE l.project_seq = (SELECT seq FROM projects WHERE id = ?1)";
  if ((mask & kByProcess) != 0) {
    sql += " AND l.process_seq = (SELECT seq FROM processes WHERE id = ?2)";
  } else if ((mask & (kByReference | kByPhone)) != 0) {
    sql +=
        " AND l.process_seq IN (SELECT seq FROM processes WHERE project_seq = "
        "(SELECT seq FROM projects WHERE id = ?1))";
  }
  if ((mask & kByGroup) != 0) sql += " AND l.group_id = ?3";
  if ((mask & kByState) != 0) sql += " AND l.state = ?4";
  if ((mask & kByReference) != 0) sql += " AND l.reference_id = ?5";
  if ((mask & kByPhone) != 0) sql += " AND l.phone = ?6";
  if ((mask & kByEmail) != 0) sql += " AND l.email = ?7";
  if ((mask & kCreatedFrom) != 0) sql += " AND l.created_at >= ?8";
  if ((mask & kCreatedTo) != 0) sql += " AND l.created_at <= ?9";
  if ((mask & kAfter) != 0) sql += " AND (l.created_at, l.id) < (?10, ?11)";
  sql += " ORDER BY l.created_at DESC, l.id DESC LIMIT ?12";
  return sql;
}

}  // namespace

Result<std::vector<core::Lead>> SqliteLeadStore::QueryLeads(const core::LeadQuery& query) {
  std::vector<core::Lead> out;
  if (query.limit == 0) return out;
  const unsigned mask = QueryMask(query);
  const std::optional<std::string> state =
      query.state ? std::optional<std::string>(core::ToString(*query.state)) : std::nullopt;
  ReaderLease reader = AcquireReader();
  LEADGATE_TRY(raw, (*reader).GetQuery(mask, [mask] { return QuerySql(mask); }));
  Stmt s(*raw);
  s.Text(1, query.project_id);
  if (query.process_id) s.Text(2, *query.process_id);
  if (query.group_id) s.Text(3, *query.group_id);
  if (state) s.Text(4, *state);
  if (query.reference_id) s.Text(5, *query.reference_id);
  if (query.phone) s.Text(6, *query.phone);
  if (query.email) s.Text(7, *query.email);
  if (query.created_from) s.Int(8, core::ToUnixMillis(*query.created_from));
  if (query.created_to) s.Int(9, core::ToUnixMillis(*query.created_to));
  if (query.after) s.Int(10, core::ToUnixMillis(query.after->created_at)).Text(11, query.after->id);
  s.Int(12, ClampLimit(query.limit));
  while (true) {
    LEADGATE_TRY(row, s.Step("query leads"));
    if (!*row) break;
    LEADGATE_TRY(lead, ReadLead(s));
    out.push_back(std::move(*lead));
  }
  return out;
}

// The mutate callback runs inside the write transaction, holding writer_mu_: it must not call
// this store (documented in the header).
Result<core::Lead> SqliteLeadStore::UpdateLead(
    const std::string& project_id, const std::string& lead_id,
    const std::function<Result<core::LeadMutation>(const core::Lead&)>& mutate) {
  const std::string id = LowerAscii(lead_id);
  std::lock_guard lock(writer_mu_);
  core::Lead stored;
  auto read = [&](std::string_view what) -> Status {
    LEADGATE_STMT(s, *writer_, Q::kGetLead);
    s.Text(1, id).Text(2, project_id);
    LEADGATE_TRY(row, s.Step(what));
    if (!*row) return MakeError(ErrorCode::kNotFound, "lead " + lead_id + " not found");
    LEADGATE_TRY(lead, ReadLead(s));
    stored = std::move(*lead);
    return {};
  };
  auto ok = InWriteTransaction("update lead", [&]() -> Status {
    if (auto found = read("get lead"); !found) return found;
    LEADGATE_TRY(mutation, mutate(stored));
    const core::Lead& next = mutation->lead;
    const std::string next_state(core::ToString(next.state));
    {
      LEADGATE_STMT(s, *writer_, Q::kUpdateLead);
      s.Text(1, stored.id)
          .OptText(2, next.name)
          .OptText(3, next.first_name)
          .OptText(4, next.last_name)
          .OptText(5, next.metadata_json)
          .Text(6, next_state)
          .OptText(7, next.last_disposition)
          .OptInt(8, next.next_attempt_at ? std::optional(core::ToUnixMillis(*next.next_attempt_at))
                                          : std::nullopt)
          .Int(9, core::ToUnixMillis(next.updated_at));
      LEADGATE_TRY(done, s.Step("update lead"));
    }
    LEADGATE_TRY(insert, writer_->Get(Q::kInsertActivity));
    for (const core::Activity& activity : mutation->activities) {
      if (auto inserted = InsertActivity(*insert, stored.id, activity); !inserted) return inserted;
    }
    return read("reread lead");
  });
  if (!ok) return std::unexpected(ok.error());
  return stored;
}

Status SqliteLeadStore::RecordCallAttempt(const std::string& attempt_id,
                                          const std::string& project_id, const std::string& lead_id,
                                          const std::string& phone, core::TimePoint at) {
  std::lock_guard lock(writer_mu_);
  LEADGATE_TRY(seq_stmt, writer_->Get(Q::kProjectSeq));
  LEADGATE_TRY(project_seq, LookupSeq(*seq_stmt, project_id, std::nullopt, "find project"));
  if (!*project_seq) return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  LEADGATE_STMT(s, *writer_, Q::kInsertAttempt);
  s.Text(1, attempt_id)
      .Int(2, **project_seq)
      .Text(3, lead_id)
      .Text(4, phone)
      .Int(5, core::ToUnixMillis(at));
  return InsertOrAlreadyExists(s, "insert call attempt",
                               "call attempt " + attempt_id + " already exists");
}

}  // namespace leadgate::storage

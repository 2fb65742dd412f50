// File: sqlite_queries.hpp
//
// Every statement SqliteLeadStore runs, by name (internal to src/storage/): Q names one, kSql[q]
// is its text. Connection::Get prepares each on first use.
#pragma once

#include <array>
#include <cstddef>

namespace leadgate::storage::internal {

// Every statement the store runs. Each connection prepares one on first use and keeps it.
enum class Q : std::size_t {
  kBeginImmediate,
  kCommit,
  kInsertProject,
  kGetProject,
  kListProjects,
  kSetProjectActive,
  kProjectSeq,
  kInsertProcess,
  kListProcesses,
  kFindProcess,
  kProcessSeq,
  kInsertApiKey,
  kFindApiKey,
  kRevokeApiKey,
  kFindAttempt,
  kInsertLead,
  kFindLeadByPhone,
  kFindLeadByReference,
  kFindLeadByEmail,
  kGetLead,
  kInitLead,
  kCountLeads,
  kInsertAttempt,
  kPing,
  kSetProjectRateLimit,
  kKeyBlockedUntil,
  kForgetOldStrikes,
  kInsertStrike,
  kCountStrikes,
  kBlockKey,
  kGetKeyGuard,
  kUnblockKey,
  kForgetStrikes,
  kSweepIdempotency,
  kClaimIdempotency,
  kGetIdempotency,
  kCompleteIdempotency,
  kAbandonIdempotency,
  kFindLeadByProcessReference,
  kInsertActivity,
  kListActivities,
  kFieldList,
  kUpdateLead,
  kCount,
};

#define LEADGATE_PROJECT_COLUMNS \
  "id, name, region, active, created_at, rate_limit_requests, rate_limit_period_ms"

// Leads and call_attempts reference projects and processes by their INTEGER seq (see
// 0001_init.sql); the text ids come back through the joins.
#define LEADGATE_LEAD_COLUMNS                                                             \
  "l.id, pj.id, pr.id, l.group_id, l.name, l.first_name, l.last_name, l.phone, l.email, " \
  "l.reference_id, l.metadata, l.state, l.attempts, l.next_attempt_at, l.created_at, "    \
  "l.updated_at, l.created_state, l.last_disposition"

inline constexpr std::array<const char*, static_cast<std::size_t>(Q::kCount)> kSql = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "INSERT INTO projects (id, name, region, active, created_at, rate_limit_requests, "
    "rate_limit_period_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "SELECT " LEADGATE_PROJECT_COLUMNS " FROM projects WHERE id = ?1",
    "SELECT " LEADGATE_PROJECT_COLUMNS " FROM projects ORDER BY created_at, seq",
    "UPDATE projects SET active = ?2 WHERE id = ?1",
    "SELECT seq FROM projects WHERE id = ?1",
    "INSERT INTO processes (id, project_seq, name, created_at) VALUES (?1, ?2, ?3, ?4)",
    "SELECT pr.id, pj.id, pr.name, pr.created_at FROM processes pr "
    "JOIN projects pj ON pj.seq = pr.project_seq WHERE pj.id = ?1 ORDER BY pr.created_at, pr.seq",
    "SELECT pr.id, pj.id, pr.name, pr.created_at FROM processes pr "
    "JOIN projects pj ON pj.seq = pr.project_seq WHERE pr.id = ?2 AND pj.id = ?1",
    "SELECT seq FROM processes WHERE id = ?1 AND project_seq = ?2",
    "INSERT INTO api_keys (id, project_id, secret_hash, revoked, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT id, project_id, secret_hash, revoked, created_at FROM api_keys WHERE id = ?1",
    "UPDATE api_keys SET revoked = 1 WHERE id = ?1",
    // The earliest attempt; ties in recording order (rowid is the index's implicit last column).
    "SELECT lead_id FROM call_attempts WHERE project_seq = ?1 AND phone = ?2 "
    "ORDER BY at, rowid LIMIT 1",
    // DO NOTHING without a target covers exactly the uniqueness constraints (primary key and the
    // three partial unique indexes); NOT NULL, CHECK and foreign keys still fail the statement.
    "INSERT INTO leads (id, project_seq, process_seq, group_id, name, first_name, last_name, "
    "phone, email, reference_id, metadata, state, attempts, next_attempt_at, created_at, "
    "updated_at, created_state, last_disposition) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) ON CONFLICT DO NOTHING",
    "SELECT id FROM leads WHERE process_seq = ?1 AND phone = ?2",
    "SELECT id FROM leads WHERE process_seq = ?1 AND reference_id = ?2",
    "SELECT id FROM leads WHERE project_seq = ?1 AND email = ?2",
    "SELECT " LEADGATE_LEAD_COLUMNS
    " FROM leads l JOIN projects pj ON pj.seq = l.project_seq "
    "JOIN processes pr ON pr.seq = l.process_seq WHERE l.id = ?1 AND pj.id = ?2",
    "UPDATE leads SET state = 'initialized', updated_at = ?2, next_attempt_at = ?2 "
    "WHERE id = ?1 AND state = 'created'",
    "SELECT count(*) FROM leads WHERE project_seq = (SELECT seq FROM projects WHERE id = ?1)",
    "INSERT INTO call_attempts (id, project_seq, lead_id, phone, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT max(version) FROM schema_migrations",
    "UPDATE projects SET rate_limit_requests = ?2, rate_limit_period_ms = ?3 WHERE id = ?1",
    // ---- key guard (RecordStrike: ?2 is now - window, the last instant that is forgotten) ----
    "SELECT blocked_until FROM api_keys WHERE id = ?1",
    "DELETE FROM key_strikes WHERE key_id = ?1 AND at <= ?2",
    "INSERT INTO key_strikes (key_id, at) VALUES (?1, ?2)",
    "SELECT count(*) FROM key_strikes WHERE key_id = ?1 AND at > ?2",
    "UPDATE api_keys SET blocked_until = ?2 WHERE id = ?1",
    // GetKeyGuard in one statement: the key's block and its strikes after ?2 (= now - window).
    "SELECT k.blocked_until, "
    "(SELECT count(*) FROM key_strikes s WHERE s.key_id = k.id AND s.at > ?2) "
    "FROM api_keys k WHERE k.id = ?1",
    "UPDATE api_keys SET blocked_until = NULL WHERE id = ?1",
    "DELETE FROM key_strikes WHERE key_id = ?1",
    // ---- idempotency ----
    // The sweep: at most kIdempotencySweepRows of the oldest expired records (?1 = now - ttl).
    "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys "
    "WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)",
    // The claim: insert a new in-progress record, or replace one that is expired
    // (created_at < ?5 = now - ttl) or a stale in-progress claim of the same request
    // (created_at <= ?6 = now - stale_after). In the DO UPDATE's WHERE, bare column names are the
    // existing row. changes() is 1 exactly when the caller now holds the record.
    "INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, state, created_at) "
    "VALUES (?1, ?2, ?3, 'in_progress', ?4) "
    "ON CONFLICT (scope, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash, "
    "state = 'in_progress', response_status = NULL, response_body = NULL, "
    "created_at = excluded.created_at "
    "WHERE created_at < ?5 OR (state = 'in_progress' AND request_hash = excluded.request_hash "
    "AND created_at <= ?6)",
    "SELECT request_hash, state, response_status, response_body FROM idempotency_keys "
    "WHERE scope = ?1 AND idempotency_key = ?2",
    "UPDATE idempotency_keys SET state = 'completed', response_status = ?3, response_body = ?4 "
    "WHERE scope = ?1 AND idempotency_key = ?2 AND state = 'in_progress'",
    "DELETE FROM idempotency_keys WHERE scope = ?1 AND idempotency_key = ?2",
    // ---- lead reads and updates (0003) ----
    // The process is resolved within the project, so another project's process finds nothing;
    // then one probe of leads_unique_reference.
    "SELECT " LEADGATE_LEAD_COLUMNS
    " FROM leads l JOIN projects pj ON pj.seq = l.project_seq "
    "JOIN processes pr ON pr.seq = l.process_seq "
    "WHERE l.process_seq = (SELECT p2.seq FROM processes p2 JOIN projects j2 "
    "ON j2.seq = p2.project_seq WHERE p2.id = ?2 AND j2.id = ?1) AND l.reference_id = ?3",
    "INSERT INTO activities (id, lead_id, type, at, user_id, fields, from_state, to_state, "
    "disposition) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    // Newest first; equal `at` in reverse write order (seq). Backwards along activities_by_lead.
    "SELECT id, lead_id, type, at, user_id, fields, from_state, to_state, disposition "
    "FROM activities WHERE lead_id = ?1 ORDER BY at DESC, seq DESC LIMIT ?2",
    // An activity's `fields` (a JSON array of strings) as rows, in order.
    "SELECT value FROM json_each(?1) ORDER BY key",
    "UPDATE leads SET name = ?2, first_name = ?3, last_name = ?4, metadata = ?5, state = ?6, "
    "last_disposition = ?7, next_attempt_at = ?8, updated_at = ?9 WHERE id = ?1",
};

#undef LEADGATE_LEAD_COLUMNS
#undef LEADGATE_PROJECT_COLUMNS

}  // namespace leadgate::storage::internal

// File: postgres_limits.cpp
//
// PostgresLeadStore's key guard (RecordStrike, GetKeyGuard, UnblockKey) and idempotency records
// (BeginIdempotent, CompleteIdempotent, AbandonIdempotent). Same semantics as sqlite_limits.cpp;
// where SQLite serialises writers with its database lock, these lock rows.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "storage/postgres_connection.hpp"
#include "storage/postgres_lead_store.hpp"

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;
using internal::PgConnection;
using internal::PgParams;

namespace {

// How many expired idempotency records one BeginIdempotent deletes at most (as in SQLite).
constexpr std::int64_t kIdempotencySweepRows = 100;

// How many times BeginIdempotent re-runs its claim when the record it lost to vanished before it
// could read it (abandoned or swept in between: only possible with concurrent writers).
constexpr int kClaimRounds = 3;

}  // namespace

// ---- key guard ----
//
// RecordStrike locks the key's api_keys row first (SELECT ... FOR UPDATE), which serialises every
// strike of that key across connections and instances: each one forgets, inserts, counts and
// maybe blocks with the previous one's rows committed, so no concurrent strike goes uncounted.
// GetKeyGuard (every API request) is one statement and writes nothing.

Result<core::KeyGuardState> PostgresLeadStore::RecordStrike(const std::string& key_id,
                                                            core::TimePoint now,
                                                            std::chrono::milliseconds window,
                                                            int max_strikes,
                                                            std::chrono::milliseconds block_for) {
  const std::int64_t now_ms = core::ToUnixMillis(now);
  const std::int64_t forget_through = now_ms - window.count();
  core::KeyGuardState state;
  auto ok = InTransaction("record strike", [&](PgConnection& conn) -> Status {
    state = {};
    LEADGATE_PG_TRY(key, conn.Exec("SELECT blocked_until FROM api_keys WHERE id = $1 FOR UPDATE",
                                   PgParams().Text(key_id), "find api key"));
    if (key->rows() == 0)
      return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
    const std::optional<std::int64_t> blocked_until = key->OptInt(0, 0);
    // Forget, insert and count in one statement. Every part sees the snapshot from before the
    // statement, so the count reads the surviving old strikes (at > now - window; the forgotten
    // ones are exactly the others) and adds the new one, unless it falls out of the window too.
    LEADGATE_PG_TRY(
        counted,
        conn.Exec("WITH forgotten AS (DELETE FROM key_strikes WHERE key_id = $1 AND "
                  "at <= $2::bigint), "
                  "added AS (INSERT INTO key_strikes (key_id, at) VALUES ($1, $3)) "
                  "SELECT (SELECT count(*) FROM key_strikes WHERE key_id = $1 AND "
                  "at > $2::bigint) + CASE WHEN $3::bigint > $2::bigint THEN 1 "
                  "ELSE 0 END",
                  PgParams().Text(key_id).Int(forget_through).Int(now_ms), "record strike"));
    state.strikes = static_cast<int>(counted->Int(0, 0));
    const bool in_force = blocked_until && *blocked_until > now_ms;
    if (in_force) {
      state.blocked_until = core::FromUnixMillis(*blocked_until);
    } else if (state.strikes > max_strikes) {
      const std::int64_t until = now_ms + block_for.count();
      LEADGATE_PG_TRY(done, conn.Exec("UPDATE api_keys SET blocked_until = $2 WHERE id = $1",
                                      PgParams().Text(key_id).Int(until), "block api key"));
      state.blocked_until = core::FromUnixMillis(until);
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return state;
}

Result<core::KeyGuardState> PostgresLeadStore::GetKeyGuard(const std::string& key_id,
                                                           core::TimePoint now,
                                                           std::chrono::milliseconds window) {
  const std::int64_t now_ms = core::ToUnixMillis(now);
  core::KeyGuardState state;
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(
        res, conn.Exec("SELECT k.blocked_until, (SELECT count(*) FROM key_strikes s "
                       "WHERE s.key_id = k.id AND s.at > $2::bigint) "
                       "FROM api_keys k WHERE k.id = $1",
                       PgParams().Text(key_id).Int(now_ms - window.count()), "get key guard"));
    if (res->rows() == 0)
      return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
    state.strikes = static_cast<int>(res->Int(0, 1));
    if (const auto until = res->OptInt(0, 0); until && *until > now_ms) {
      state.blocked_until = core::FromUnixMillis(*until);
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return state;
}

Status PostgresLeadStore::UnblockKey(const std::string& key_id) {
  return InTransaction("unblock api key", [&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("UPDATE api_keys SET blocked_until = NULL WHERE id = $1",
                                   PgParams().Text(key_id), "unblock api key"));
    if (res->Affected() == 0)
      return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
    LEADGATE_PG_TRY(done, conn.Exec("DELETE FROM key_strikes WHERE key_id = $1",
                                    PgParams().Text(key_id), "forget strikes"));
    return {};
  });
}

// ---- idempotency ----
//
// BeginIdempotent is one transaction: a bounded sweep of expired records (SKIP LOCKED: rows
// another caller is touching are left for a later sweep, so sweeps never queue behind each other),
// then one upsert that claims the record when it is absent, expired, or a stale claim of the same
// request. PostgreSQL serialises upserts of one key: a second caller's INSERT waits for the first
// one's transaction, then evaluates the DO UPDATE's WHERE against the committed row. So exactly
// one caller sees a row RETURNED (kStarted); everyone else reads the record and classifies it.

Result<core::IdempotencyBegin> PostgresLeadStore::BeginIdempotent(
    const std::string& scope, const std::string& key, const std::string& request_hash,
    core::TimePoint now, std::chrono::milliseconds ttl, std::chrono::milliseconds stale_after) {
  const std::int64_t now_ms = core::ToUnixMillis(now);
  const std::int64_t expired_before = now_ms - ttl.count();
  const std::int64_t stale_through = now_ms - stale_after.count();
  core::IdempotencyBegin out;
  auto ok = InTransaction("begin idempotent", [&](PgConnection& conn) -> Status {
    out = {};
    LEADGATE_PG_TRY(swept,
                    conn.Exec("DELETE FROM idempotency_keys WHERE (scope, idempotency_key) IN "
                              "(SELECT scope, idempotency_key FROM idempotency_keys "
                              "WHERE created_at < $1::bigint ORDER BY created_at LIMIT $2::bigint "
                              "FOR UPDATE SKIP LOCKED)",
                              PgParams().Int(expired_before).Int(kIdempotencySweepRows),
                              "sweep idempotency records"));
    for (int round = 0; round < kClaimRounds; ++round) {
      // In the DO UPDATE's WHERE, the table name is the existing row.
      LEADGATE_PG_TRY(
          claim,
          conn.Exec("INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, state, "
                    "created_at) VALUES ($1, $2, $3, 'in_progress', $4) "
                    "ON CONFLICT (scope, idempotency_key) DO UPDATE SET "
                    "request_hash = excluded.request_hash, state = 'in_progress', "
                    "response_status = NULL, response_body = NULL, "
                    "created_at = excluded.created_at "
                    "WHERE idempotency_keys.created_at < $5::bigint OR "
                    "(idempotency_keys.state = 'in_progress' AND "
                    "idempotency_keys.request_hash = excluded.request_hash AND "
                    "idempotency_keys.created_at <= $6::bigint) RETURNING 1",
                    PgParams()
                        .Text(scope)
                        .Text(key)
                        .Text(request_hash)
                        .Int(now_ms)
                        .Int(expired_before)
                        .Int(stale_through),
                    "claim idempotency record"));
      if (claim->rows() == 1) {
        out.status = core::IdempotencyStatus::kStarted;
        return {};
      }
      LEADGATE_PG_TRY(row, conn.Exec("SELECT request_hash, state, response_status, response_body "
                                     "FROM idempotency_keys WHERE scope = $1 AND "
                                     "idempotency_key = $2",
                                     PgParams().Text(scope).Text(key), "get idempotency record"));
      if (row->rows() == 0) continue;  // abandoned in between: claim again
      if (row->Text(0, 0) != request_hash) {
        out.status = core::IdempotencyStatus::kMismatch;
      } else if (row->Text(0, 1) == "completed") {
        out.status = core::IdempotencyStatus::kReplay;
        out.response.status = static_cast<int>(row->Int(0, 2));
        out.response.body = row->Bytes(0, 3);
      } else {
        out.status = core::IdempotencyStatus::kInProgress;
      }
      return {};
    }
    return MakeError(ErrorCode::kUnavailable,
                     "postgres: idempotency record kept changing under the claim");
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Status PostgresLeadStore::CompleteIdempotent(const std::string& scope, const std::string& key,
                                             const core::StoredResponse& response) {
  return OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(
        res, conn.Exec("UPDATE idempotency_keys SET state = 'completed', "
                       "response_status = $3, response_body = $4::bytea "
                       "WHERE scope = $1 AND idempotency_key = $2 AND "
                       "state = 'in_progress'",
                       PgParams().Text(scope).Text(key).Int(response.status).Bytes(response.body),
                       "complete idempotency record"));
    if (res->Affected() == 0) {
      return MakeError(ErrorCode::kNotFound, "no in-progress idempotency record for this key");
    }
    return {};
  });
}

Status PostgresLeadStore::AbandonIdempotent(const std::string& scope, const std::string& key) {
  return OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("DELETE FROM idempotency_keys WHERE scope = $1 AND "
                                   "idempotency_key = $2",
                                   PgParams().Text(scope).Text(key), "abandon idempotency record"));
    return {};
  });
}

}  // namespace leadgate::storage

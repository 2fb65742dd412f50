// File: sqlite_limits.cpp
//
// SqliteLeadStore's key guard (RecordStrike, GetKeyGuard, UnblockKey) and idempotency records
// (BeginIdempotent, CompleteIdempotent, AbandonIdempotent), both 0002.
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "storage/sqlite_internal.hpp"
#include "storage/sqlite_lead_store.hpp"
#include "storage/sqlite_statement.hpp"

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;
using internal::Q;
using internal::Stmt;

namespace {

// How many expired idempotency records one BeginIdempotent deletes at most. Each Begin adds at
// most one record, so sweeping more than one per Begin keeps the table at "records younger than
// the ttl" plus a backlog that only shrinks; the bound keeps any one Begin short (after, say, an
// upgrade onto a file full of old records, or a long pause in traffic).
constexpr std::int64_t kIdempotencySweepRows = 100;

}  // namespace

// ---- key guard ----
//
// The block lives in api_keys.blocked_until and the strikes in key_strikes (0002). RecordStrike
// is read-modify-write (count, then maybe block), so it runs in one BEGIN IMMEDIATE transaction:
// the write lock serialises it against every other writer, this process's (writer_mu_) and other
// processes' (SQLite's lock), and no concurrent strike goes uncounted. GetKeyGuard runs on every
// API request, so it is one statement on a reader and writes nothing: a lapsed block is hidden
// by comparing with now, never cleared.

Result<core::KeyGuardState> SqliteLeadStore::RecordStrike(const std::string& key_id,
                                                          core::TimePoint now,
                                                          std::chrono::milliseconds window,
                                                          int max_strikes,
                                                          std::chrono::milliseconds block_for) {
  const std::int64_t now_ms = core::ToUnixMillis(now);
  const std::int64_t forget_through = now_ms - window.count();
  core::KeyGuardState state;
  std::lock_guard lock(writer_mu_);
  auto ok = InWriteTransaction("record strike", [&]() -> Status {
    std::optional<std::int64_t> blocked_until;
    {
      LEADGATE_STMT(s, *writer_, Q::kKeyBlockedUntil);
      s.Text(1, key_id);
      LEADGATE_TRY(row, s.Step("find api key"));
      if (!*row) return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
      if (!s.ColIsNull(0)) blocked_until = s.ColInt(0);
    }
    {
      LEADGATE_STMT(s, *writer_, Q::kForgetOldStrikes);
      s.Text(1, key_id).Int(2, forget_through);
      LEADGATE_TRY(done, s.Step("forget old strikes"));
    }
    {
      LEADGATE_STMT(s, *writer_, Q::kInsertStrike);
      s.Text(1, key_id).Int(2, now_ms);
      LEADGATE_TRY(done, s.Step("insert strike"));
    }
    {
      LEADGATE_STMT(s, *writer_, Q::kCountStrikes);
      s.Text(1, key_id).Int(2, forget_through);
      LEADGATE_TRY(row, s.Step("count strikes"));
      state.strikes = *row ? static_cast<int>(s.ColInt(0)) : 0;
    }
    const bool in_force = blocked_until && *blocked_until > now_ms;
    if (in_force) {
      state.blocked_until = core::FromUnixMillis(*blocked_until);
    } else if (state.strikes > max_strikes) {
      const std::int64_t until = now_ms + block_for.count();
      LEADGATE_STMT(s, *writer_, Q::kBlockKey);
      s.Text(1, key_id).Int(2, until);
      LEADGATE_TRY(done, s.Step("block api key"));
      state.blocked_until = core::FromUnixMillis(until);
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return state;
}

Result<core::KeyGuardState> SqliteLeadStore::GetKeyGuard(const std::string& key_id,
                                                         core::TimePoint now,
                                                         std::chrono::milliseconds window) {
  const std::int64_t now_ms = core::ToUnixMillis(now);
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kGetKeyGuard);
  s.Text(1, key_id).Int(2, now_ms - window.count());
  LEADGATE_TRY(row, s.Step("get key guard"));
  if (!*row) return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
  core::KeyGuardState state;
  state.strikes = static_cast<int>(s.ColInt(1));
  if (!s.ColIsNull(0) && s.ColInt(0) > now_ms)
    state.blocked_until = core::FromUnixMillis(s.ColInt(0));
  return state;
}

Status SqliteLeadStore::UnblockKey(const std::string& key_id) {
  std::lock_guard lock(writer_mu_);
  return InWriteTransaction("unblock api key", [&]() -> Status {
    {
      LEADGATE_STMT(s, *writer_, Q::kUnblockKey);
      s.Text(1, key_id);
      LEADGATE_TRY(done, s.Step("unblock api key"));
      if (sqlite3_changes(writer_->db()) == 0) {
        return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
      }
    }
    LEADGATE_STMT(s, *writer_, Q::kForgetStrikes);
    s.Text(1, key_id);
    LEADGATE_TRY(done, s.Step("forget strikes"));
    return {};
  });
}

// ---- idempotency ----
//
// BeginIdempotent is one BEGIN IMMEDIATE transaction on the writer: a bounded sweep of expired
// records, then one upsert that claims the record when it is absent, expired, or a stale claim of
// the same request (see kSql). The upsert alone decides who wins: under the write lock (the
// writer mutex within a process, SQLite's lock across processes) exactly one caller sees
// changes() == 1; everyone else reads the record in the same transaction and classifies it, so
// the answer matches the record as it is, not as it was a moment before.
//
// Expired records are removed two ways. The caller's own (scope, key) is replaced by its claim.
// Other keys' are deleted by the sweep, at most kIdempotencySweepRows per Begin, oldest first,
// through the created_at index: it costs one index probe when nothing has expired. The sweep uses
// this caller's ttl, so it assumes every caller uses the same ttl (the server has one setting);
// what it deletes is a record any Begin with that ttl would treat as absent anyway.

Result<core::IdempotencyBegin> SqliteLeadStore::BeginIdempotent(
    const std::string& scope, const std::string& key, const std::string& request_hash,
    core::TimePoint now, std::chrono::milliseconds ttl, std::chrono::milliseconds stale_after) {
  const std::int64_t now_ms = core::ToUnixMillis(now);
  const std::int64_t expired_before = now_ms - ttl.count();
  const std::int64_t stale_through = now_ms - stale_after.count();
  core::IdempotencyBegin out;
  std::lock_guard lock(writer_mu_);
  auto ok = InWriteTransaction("begin idempotent", [&]() -> Status {
    {
      LEADGATE_STMT(s, *writer_, Q::kSweepIdempotency);
      s.Int(1, expired_before).Int(2, kIdempotencySweepRows);
      LEADGATE_TRY(done, s.Step("sweep idempotency records"));
    }
    {
      LEADGATE_STMT(s, *writer_, Q::kClaimIdempotency);
      s.Text(1, scope)
          .Text(2, key)
          .Text(3, request_hash)
          .Int(4, now_ms)
          .Int(5, expired_before)
          .Int(6, stale_through);
      LEADGATE_TRY(done, s.Step("claim idempotency record"));
      if (sqlite3_changes(writer_->db()) == 1) {
        out.status = core::IdempotencyStatus::kStarted;
        return {};
      }
    }
    LEADGATE_STMT(s, *writer_, Q::kGetIdempotency);
    s.Text(1, scope).Text(2, key);
    LEADGATE_TRY(row, s.Step("get idempotency record"));
    if (!*row) {
      return MakeError(ErrorCode::kInternal,
                       "sqlite: idempotency record vanished inside its transaction");
    }
    if (s.ColText(0) != request_hash) {
      out.status = core::IdempotencyStatus::kMismatch;
    } else if (s.ColText(1) == "completed") {
      out.status = core::IdempotencyStatus::kReplay;
      out.response.status = static_cast<int>(s.ColInt(2));
      out.response.body = s.ColBlob(3);
    } else {
      out.status = core::IdempotencyStatus::kInProgress;
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Status SqliteLeadStore::CompleteIdempotent(const std::string& scope, const std::string& key,
                                           const core::StoredResponse& response) {
  std::lock_guard lock(writer_mu_);
  LEADGATE_STMT(s, *writer_, Q::kCompleteIdempotency);
  s.Text(1, scope).Text(2, key).Int(3, response.status).Blob(4, response.body);
  LEADGATE_TRY(done, s.Step("complete idempotency record"));
  if (sqlite3_changes(writer_->db()) == 0) {
    return MakeError(ErrorCode::kNotFound, "no in-progress idempotency record for this key");
  }
  return {};
}

Status SqliteLeadStore::AbandonIdempotent(const std::string& scope, const std::string& key) {
  std::lock_guard lock(writer_mu_);
  LEADGATE_STMT(s, *writer_, Q::kAbandonIdempotency);
  s.Text(1, scope).Text(2, key);
  LEADGATE_TRY(done, s.Step("abandon idempotency record"));
  return {};
}

}  // namespace leadgate::storage

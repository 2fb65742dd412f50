// File: sqlite_lead_store.cpp
//
// Design notes (the contract is in the header).
//
// Write path. Ingest is the product's throughput bottleneck, so per lead it costs at most:
//   * one index probe of call_attempts (only when the lead has a phone): the attempted check
//     cannot be a constraint on leads, and it must win over the duplicate checks;
//   * one INSERT ... ON CONFLICT DO NOTHING. The three partial unique indexes ARE the duplicate
//     checks, so no interleaving of writers (threads, or other leadgate processes on the same
//     file) can store a duplicate, and a clean lead needs no SELECT. Only when the insert reports
//     a conflict (changes() == 0) do up to three point lookups name the rule it broke and the
//     colliding lead, in the documented order phone -> reference -> email.
// Earlier leads of the batch are rows of the same open transaction, so in-batch duplicates need
// no bookkeeping, and a dry run is the very same code ending in ROLLBACK instead of COMMIT.
// Every statement is prepared once per connection (SQLITE_PREPARE_PERSISTENT) and text is bound
// with SQLITE_STATIC (no copies). Leads reference their project and process by INTEGER seq
// (0001_init.sql): the per-batch process lookups are cached in IngestRun.
//
// Measurements behind the choices (scratch benchmark, not in the repo: batches of 1000 leads with
// random E.164 phones, emails, referenceIds and ~150-byte metadata, one Ingest per batch, on the
// 2-core dev VM, ext4, shared with parallel builds, so +-15% noise; "ms" is wall time per
// batch including the commit, averaged over the first 100 batches = 0..100k rows):
//   * SQLite defaults except WAL+FULL, text project/process keys:        ~73 ms
//   * wal_autocheckpoint 4000 pages: 59 ms; 16384 (kept): 30 ms. Disabling checkpoints entirely
//     would save only ~12% more. A checkpoint copies every page changed since the last one into
//     the main file and fsyncs it, inside whichever request commits past the threshold; the
//     random unique indexes dirty a different page per lead, so a larger interval lets repeated
//     writes of the same pages coalesce. journal_size_limit shrinks the WAL back afterwards.
//   * cache_size: 2 MiB (default) 51 ms, 64 MiB (kept) 30 ms, 256 MiB 32 ms.
//   * page_size: 4096 (default, kept) is best; 1024/2048 were ~1.5x slower (deeper trees, more
//     frames), 8192/16384 ~1.5x slower (more bytes per dirtied page).
//   * leads WITHOUT ROWID: 51 ms vs 30 ms (wide rows in the clustered b-tree; secondary indexes
//     carry the 24-byte id).
//   * Keying the phone/reference indexes by process only: -12%; INTEGER project/process seqs
//     instead of 24-char ids everywhere in leads: 18.5 ms vs 26.4 ms, CPU 16 ms vs 22 ms.
//   * ON CONFLICT DO NOTHING vs three SELECTs before each insert: ~3-15% faster fresh, equal at
//     1M rows (the SELECTs touch the pages the insert dirties anyway). It is kept for
//     correctness: the index, not a prior read, decides.
//   * temp_store=MEMORY: no effect on this path (no temp b-trees); kept so sorts never touch disk.
//   * synchronous=NORMAL: ~25% faster; opt-in only (it gives up power-loss durability).
// With all of the above: ~11 ms per batch fresh, 19 ms at 100k rows, 34 at 200k, 50 at 400k,
// ~75-95 ms at 1M rows. The cost grows with the table because each lead dirties ~3 random leaf
// pages of the unique indexes, all of which are written to the WAL at commit and again at
// checkpoint; at 1M rows ~55% of the CPU is the kernel writing and syncing those pages, and a
// larger cache or mmap does not change it. Committing 4000 leads per transaction (what group
// commit of concurrent requests would give) measured +41% throughput fresh but only +10% at 1M
// rows, so it is not done here.
//
// 0003 (lead reads) measured the same way, raw statements, 200 batches (0..200k rows), two runs
// each, on a VM shared with other builds (noise ~+-15%): 0002 schema ~35 ms per batch;
// leads_by_project_created widened to (project_seq, created_at, id) ~37.6 (+7%); + partial
// leads_by_group (half the leads grouped, 20 groups) ~38 (+1%, kept); + (process_seq,
// created_at, id) ~40 (+5%, not kept); + (project_seq, state, created_at, id) ~41 (+5%, not
// kept). Activities cost ingest nothing: only leadIds inits and updates write them.
//
// Readers are plain read-only connections: in WAL mode they read a snapshot and neither block nor
// are blocked by the writer, so request-path lookups (API key, process) never queue behind a
// 1000-lead batch.
#include "storage/sqlite_lead_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <limits>
#include <set>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "storage/sqlite_migrations.hpp"

namespace leadgate::storage {

using core::Error;
using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;

namespace {

// STRICT tables (0001_init.sql) need SQLite 3.37.
constexpr int kMinSqliteVersion = 3037000;

constexpr std::int64_t kWriterCacheKib = 64 * 1024;
constexpr std::int64_t kReaderCacheKib = 16 * 1024;
constexpr int kWalAutocheckpointPages = 16384;  // 64 MiB of 4 KiB pages
constexpr std::int64_t kJournalSizeLimitBytes = 64LL * 1024 * 1024;

// How many expired idempotency records one BeginIdempotent deletes at most. Each Begin adds at
// most one record, so sweeping more than one per Begin keeps the table at "records younger than
// the ttl" plus a backlog that only shrinks; the bound keeps any one Begin short (after, say, an
// upgrade onto a file full of old records, or a long pause in traffic).
constexpr std::int64_t kIdempotencySweepRows = 100;

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

constexpr std::array<const char*, static_cast<std::size_t>(Q::kCount)> kSql = {
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

bool IsUnavailableCode(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
      return true;
    default:
      return false;
  }
}

// The error for a failed SQLite call. Call it right after the failure: sqlite3_errmsg describes
// the connection's most recent call.
Error SqlError(sqlite3* db, int rc, std::string_view what) {
  std::string message = "sqlite: ";
  message += what;
  message += ": ";
  message += sqlite3_errstr(rc);
  if (db != nullptr) {
    const std::string_view detail = sqlite3_errmsg(db);
    if (detail != sqlite3_errstr(rc)) {
      message += " (";
      message += detail;
      message += ")";
    }
  }
  message += " [";
  message += std::to_string(rc);
  message += "]";
  return Error{IsUnavailableCode(rc) ? ErrorCode::kUnavailable : ErrorCode::kInternal,
               std::move(message)};
}

bool IsUniqueViolation(int rc) {
  return rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE;
}

// Lead ids are matched case-insensitively, as ObjectIds are: the ids we generate are lower-case,
// and a client may send them in either case.
std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// One use of a cached prepared statement: bind, step, read columns; reset when it goes away so
// the statement is ready (and holds no read snapshot) for the next user. Text is bound with
// SQLITE_STATIC (nullptr): the bound strings must outlive this object, which they always do here.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Stmt() { sqlite3_reset(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Text(int i, std::string_view v) {
    Check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), nullptr));
    return *this;
  }
  Stmt& OptText(int i, const std::optional<std::string>& v) {
    if (v) return Text(i, *v);
    Check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  Stmt& Int(int i, std::int64_t v) {
    Check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Stmt& OptInt(int i, std::optional<std::int64_t> v) {
    if (v) return Int(i, *v);
    Check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // Bytes as a BLOB, never NULL: data() of a string_view over a std::string is never nullptr,
  // which is what keeps an empty value a zero-length BLOB.
  Stmt& Blob(int i, std::string_view v) {
    const char* data = v.data() != nullptr ? v.data() : "";
    Check(sqlite3_bind_blob(stmt_, i, data, static_cast<int>(v.size()), nullptr));
    return *this;
  }

  // True for a row, false when done.
  Result<bool> Step(std::string_view what) {
    const int rc = bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    last_rc_ = rc;
    return std::unexpected(SqlError(sqlite3_db_handle(stmt_), rc, what));
  }
  // The extended result code of the last failed Step (for constraint checks).
  int last_rc() const { return last_rc_; }

  bool ColIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t ColInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string ColText(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(n));
  }
  std::optional<std::string> ColOptText(int col) const {
    if (ColIsNull(col)) return std::nullopt;
    return ColText(col);
  }
  std::string ColBlob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(n));
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
  int last_rc_ = SQLITE_OK;
};

core::Project ReadProject(const Stmt& s) {
  core::Project p;
  p.id = s.ColText(0);
  p.name = s.ColText(1);
  p.region = s.ColText(2);
  p.active = s.ColInt(3) != 0;
  p.created_at = core::FromUnixMillis(s.ColInt(4));
  // The schema keeps both columns NULL or both set.
  if (!s.ColIsNull(5)) p.rate_limit = core::ProjectRateLimit{s.ColInt(5), s.ColInt(6)};
  return p;
}

core::Process ReadProcess(const Stmt& s) {
  core::Process p;
  p.id = s.ColText(0);
  p.project_id = s.ColText(1);
  p.name = s.ColText(2);
  p.created_at = core::FromUnixMillis(s.ColInt(3));
  return p;
}

core::ApiKeyRecord ReadApiKey(const Stmt& s) {
  core::ApiKeyRecord k;
  k.id = s.ColText(0);
  k.project_id = s.ColText(1);
  k.secret_hash = s.ColText(2);
  k.revoked = s.ColInt(3) != 0;
  k.created_at = core::FromUnixMillis(s.ColInt(4));
  return k;
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

}  // namespace

// ---- Connection ----

class SqliteLeadStore::Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int flags,
                                                  int busy_timeout_ms) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    // A handle comes back even on failure (to carry the message); the Connection owns it.
    auto conn = std::unique_ptr<Connection>(new Connection(db));
    if (rc != SQLITE_OK) return std::unexpected(SqlError(db, rc, "open " + path));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    return conn;
  }

  ~Connection() {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    for (const auto& [mask, s] : query_stmts_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // The cached statement for q, prepared on first use.
  Result<sqlite3_stmt*> Get(Q q) {
    sqlite3_stmt*& slot = stmts_[static_cast<std::size_t>(q)];
    if (slot == nullptr) {
      const int rc = sqlite3_prepare_v3(db_, kSql[static_cast<std::size_t>(q)], -1,
                                        SQLITE_PREPARE_PERSISTENT, &slot, nullptr);
      if (rc != SQLITE_OK) {
        slot = nullptr;
        return std::unexpected(
            SqlError(db_, rc, std::string("prepare ") + kSql[static_cast<std::size_t>(q)]));
      }
    }
    return slot;
  }

  // The cached QueryLeads statement for one combination of set filters (`mask`, a bit per
  // filter), prepared from sql() on first use.
  Result<sqlite3_stmt*> GetQuery(unsigned mask, const std::function<std::string()>& sql) {
    const auto it = query_stmts_.find(mask);
    if (it != query_stmts_.end()) return it->second;
    const std::string text = sql();
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, text.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return std::unexpected(SqlError(db_, rc, "prepare " + text));
    query_stmts_.emplace(mask, stmt);
    return stmt;
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::array<sqlite3_stmt*, static_cast<std::size_t>(Q::kCount)> stmts_{};
  std::unordered_map<unsigned, sqlite3_stmt*> query_stmts_;
};

// `auto var = expr;` and return its error if it holds one.
#define LEADGATE_TRY(var, expr) \
  auto var = (expr);            \
  if (!var) return std::unexpected(std::move(var.error()))

// `Stmt var` over conn's cached statement q, or return the prepare error.
#define LEADGATE_STMT(var, conn, q)       \
  LEADGATE_TRY(var##_raw, (conn).Get(q)); \
  Stmt var(*var##_raw)

// ---- the reader pool ----

class SqliteLeadStore::ReaderLease {
 public:
  ReaderLease(SqliteLeadStore* store, std::unique_ptr<Connection> conn)
      : store_(store), conn_(std::move(conn)) {}
  ~ReaderLease() { store_->ReleaseReader(std::move(conn_)); }
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;

  Connection& operator*() const { return *conn_; }

 private:
  SqliteLeadStore* store_;
  std::unique_ptr<Connection> conn_;
};

SqliteLeadStore::ReaderLease SqliteLeadStore::AcquireReader() {
  std::unique_lock lock(readers_mu_);
  reader_free_.wait(lock, [this] { return !idle_readers_.empty(); });
  std::unique_ptr<Connection> conn = std::move(idle_readers_.back());
  idle_readers_.pop_back();
  return ReaderLease(this, std::move(conn));
}

void SqliteLeadStore::ReleaseReader(std::unique_ptr<Connection> reader) {
  {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(std::move(reader));
  }
  reader_free_.notify_one();
}

// ---- Open and migrations ----

namespace {

// Runs sql (one statement) once, outside the statement cache; calls on_row for each row.
template <class OnRow>
Status QueryOnce(sqlite3* db, const char* sql, std::string_view what, OnRow on_row) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(SqlError(db, rc, what));
  Status status;
  {
    Stmt s(raw);
    while (true) {
      auto row = s.Step(what);
      if (!row) {
        status = std::unexpected(row.error());
        break;
      }
      if (!*row) break;
      on_row(s);
    }
  }
  sqlite3_finalize(raw);
  return status;
}

Status ExecOnce(sqlite3* db, const std::string& sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(SqlError(db, rc, what));
  return {};
}

void RollbackIfOpen(sqlite3* db) {
  // After some errors (IOERR, FULL, ...) SQLite has already rolled back on its own.
  if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status CheckMigrationList(std::span<const SqliteMigration> migrations) {
  int last = 0;
  for (const SqliteMigration& m : migrations) {
    if (m.version <= last) {
      return MakeError(ErrorCode::kInternal,
                       "sqlite: embedded migrations out of order at " + std::string(m.name));
    }
    last = m.version;
  }
  if (migrations.empty()) return MakeError(ErrorCode::kInternal, "sqlite: no migrations embedded");
  return {};
}

// The versions recorded in schema_migrations (none for a new file).
Result<std::set<int>> AppliedVersions(sqlite3* db) {
  bool ledger_exists = false;
  auto ok = QueryOnce(db,
                      "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND "
                      "name = 'schema_migrations'",
                      "read schema", [&](const Stmt&) { ledger_exists = true; });
  if (!ok) return std::unexpected(ok.error());
  std::set<int> versions;
  if (!ledger_exists) return versions;
  ok = QueryOnce(db, "SELECT version FROM schema_migrations", "read schema_migrations",
                 [&](const Stmt& s) { versions.insert(static_cast<int>(s.ColInt(0))); });
  if (!ok) return std::unexpected(ok.error());
  return versions;
}

// One round of Migrate, inside BEGIN IMMEDIATE: refuse unknown versions, else apply the first
// missing migration. Sets *done when nothing was missing.
Status MigrateStep(sqlite3* db, const std::string& path,
                   std::span<const SqliteMigration> migrations, bool* done) {
  LEADGATE_TRY(applied, AppliedVersions(db));
  for (const int v : *applied) {
    const bool known = std::any_of(migrations.begin(), migrations.end(),
                                   [v](const SqliteMigration& m) { return m.version == v; });
    if (!known) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "sqlite: " + path + " records schema migration " + std::to_string(v) +
                           ", which this leadgate does not know (it knows up to " +
                           std::to_string(migrations.back().version) +
                           "): the database was written by a newer leadgate; upgrade leadgate");
    }
  }
  const auto next =
      std::find_if(migrations.begin(), migrations.end(),
                   [&](const SqliteMigration& m) { return !applied->contains(m.version); });
  if (next == migrations.end()) {
    *done = true;
    return {};
  }

  const std::string what = "migration " + std::string(next->name);
  if (auto ok = ExecOnce(db, std::string(next->sql), what); !ok) return ok;
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(
      db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)", -1, &raw,
      nullptr);
  if (rc != SQLITE_OK) return std::unexpected(SqlError(db, rc, what));
  Status status;
  {
    Stmt s(raw);
    s.Int(1, next->version)
        .Text(2, next->name)
        .Int(3, core::ToUnixMillis(core::SystemClock().Now()));
    if (auto row = s.Step(what); !row) status = std::unexpected(row.error());
  }
  sqlite3_finalize(raw);
  return status;
}

// Applies the missing migrations, one transaction each. Every round takes the write lock (BEGIN
// IMMEDIATE) before it reads what is applied, so two processes opening a new file at once apply
// each migration exactly once, and the refusal of unknown versions sees a settled ledger.
Status Migrate(sqlite3* db, const std::string& path) {
  const std::span<const SqliteMigration> migrations = SqliteMigrations();
  if (auto ok = CheckMigrationList(migrations); !ok) return ok;
  while (true) {
    if (auto ok = ExecOnce(db, "BEGIN IMMEDIATE", "begin migration"); !ok) return ok;
    bool done = false;
    if (auto ok = MigrateStep(db, path, migrations, &done); !ok) {
      RollbackIfOpen(db);
      return ok;
    }
    if (auto ok = ExecOnce(db, "COMMIT", "commit migration"); !ok) {
      RollbackIfOpen(db);
      return ok;
    }
    if (done) return {};
  }
}

}  // namespace

Result<std::unique_ptr<SqliteLeadStore>> SqliteLeadStore::Open(const SqliteOptions& options) {
  if (options.path.empty() || options.path == ":memory:" || options.path.starts_with("file:")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "sqlite: path must name a database file, got '" + options.path + "'");
  }
  if (options.read_connections < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "sqlite: read_connections must be >= 1");
  }
  if (options.busy_timeout_ms < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "sqlite: busy_timeout_ms must be >= 0");
  }
  if (sqlite3_libversion_number() < kMinSqliteVersion) {
    return MakeError(
        ErrorCode::kFailedPrecondition,
        std::string("sqlite: version 3.37 or newer required, linked ") + sqlite3_libversion());
  }

  const std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return MakeError(ErrorCode::kUnavailable,
                       "sqlite: cannot create directory " + parent.string() + ": " + ec.message());
    }
  }

  LEADGATE_TRY(writer, Connection::Open(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                        options.busy_timeout_ms));
  sqlite3* const wdb = (*writer)->db();

  // journal_mode is persistent in the file; everything else is per connection.
  std::string mode;
  if (auto ok = QueryOnce(wdb, "PRAGMA journal_mode = WAL", "set WAL mode",
                          [&](const Stmt& s) { mode = s.ColText(0); });
      !ok) {
    return std::unexpected(ok.error());
  }
  if (mode != "wal") {
    return MakeError(
        ErrorCode::kFailedPrecondition,
        "sqlite: " + options.path + " cannot use WAL mode (journal_mode is '" + mode + "')");
  }
  const char* sync = options.sync == SqliteOptions::Sync::kFull ? "FULL" : "NORMAL";
  const std::string pragmas =
      std::string("PRAGMA synchronous = ") + sync +
      "; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -" +
      std::to_string(kWriterCacheKib) +
      "; PRAGMA wal_autocheckpoint = " + std::to_string(kWalAutocheckpointPages) +
      "; PRAGMA journal_size_limit = " + std::to_string(kJournalSizeLimitBytes) + ";";
  if (auto ok = ExecOnce(wdb, pragmas, "configure writer"); !ok) return std::unexpected(ok.error());

  if (auto ok = Migrate(wdb, options.path); !ok) return std::unexpected(ok.error());

  // Readers open after the migrations, so they never see a half-made schema.
  std::vector<std::unique_ptr<Connection>> readers;
  const std::string reader_pragmas = "PRAGMA query_only = ON; PRAGMA temp_store = MEMORY; " +
                                     std::string("PRAGMA cache_size = -") +
                                     std::to_string(kReaderCacheKib) + ";";
  for (int i = 0; i < options.read_connections; ++i) {
    LEADGATE_TRY(reader,
                 Connection::Open(options.path, SQLITE_OPEN_READONLY, options.busy_timeout_ms));
    if (auto ok = ExecOnce((*reader)->db(), reader_pragmas, "configure reader"); !ok) {
      return std::unexpected(ok.error());
    }
    readers.push_back(std::move(*reader));
  }

  return std::unique_ptr<SqliteLeadStore>(
      new SqliteLeadStore(std::move(*writer), std::move(readers)));
}

SqliteLeadStore::SqliteLeadStore(std::unique_ptr<Connection> writer,
                                 std::vector<std::unique_ptr<Connection>> readers)
    : writer_(std::move(writer)), idle_readers_(std::move(readers)) {}

// Readers close first, so the writer's close is the last one: it checkpoints and removes the WAL.
SqliteLeadStore::~SqliteLeadStore() {
  idle_readers_.clear();
  writer_.reset();
}

Result<SqlitePragmas> SqliteLeadStore::EffectivePragmas() {
  std::lock_guard lock(writer_mu_);
  sqlite3* const db = writer_->db();
  SqlitePragmas p;
  auto text = [&](const char* sql, std::string* out) {
    return QueryOnce(db, sql, sql, [&](const Stmt& s) { *out = s.ColText(0); });
  };
  auto integer = [&](const char* sql, auto* out) {
    return QueryOnce(db, sql, sql, [&](const Stmt& s) {
      *out = static_cast<std::remove_reference_t<decltype(*out)>>(s.ColInt(0));
    });
  };
  for (const Status& ok :
       {text("PRAGMA journal_mode", &p.journal_mode), integer("PRAGMA synchronous", &p.synchronous),
        integer("PRAGMA foreign_keys", &p.foreign_keys),
        integer("PRAGMA busy_timeout", &p.busy_timeout_ms),
        integer("PRAGMA cache_size", &p.cache_size),
        integer("PRAGMA wal_autocheckpoint", &p.wal_autocheckpoint),
        integer("PRAGMA temp_store", &p.temp_store),
        integer("SELECT max(version) FROM schema_migrations", &p.schema_version)}) {
    if (!ok) return std::unexpected(ok.error());
  }
  return p;
}

// ---- projects, processes, keys ----

namespace {

// The seq of the row a `SELECT seq ...` point lookup finds, if any.
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

// Steps an INSERT; a primary-key clash becomes kAlreadyExists with `clash`.
Status InsertOrAlreadyExists(Stmt& s, std::string_view what, std::string clash) {
  auto r = s.Step(what);
  if (r) return {};
  if (IsUniqueViolation(s.last_rc())) return MakeError(ErrorCode::kAlreadyExists, std::move(clash));
  return std::unexpected(r.error());
}

}  // namespace

Status SqliteLeadStore::CreateProject(const core::Project& project) {
  if (auto ok = core::ValidateRateLimit(project.rate_limit); !ok) return ok;
  std::lock_guard lock(writer_mu_);
  LEADGATE_STMT(s, *writer_, Q::kInsertProject);
  s.Text(1, project.id)
      .Text(2, project.name)
      .Text(3, project.region)
      .Int(4, project.active ? 1 : 0)
      .Int(5, core::ToUnixMillis(project.created_at))
      .OptInt(6, project.rate_limit ? std::optional(project.rate_limit->requests) : std::nullopt)
      .OptInt(7, project.rate_limit ? std::optional(project.rate_limit->period_ms) : std::nullopt);
  return InsertOrAlreadyExists(s, "insert project", "project " + project.id + " already exists");
}

Result<core::Project> SqliteLeadStore::GetProject(const std::string& project_id) {
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kGetProject);
  s.Text(1, project_id);
  LEADGATE_TRY(row, s.Step("get project"));
  if (!*row) return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  return ReadProject(s);
}

Result<std::vector<core::Project>> SqliteLeadStore::ListProjects() {
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kListProjects);
  std::vector<core::Project> out;
  while (true) {
    LEADGATE_TRY(row, s.Step("list projects"));
    if (!*row) break;
    out.push_back(ReadProject(s));
  }
  return out;
}

Status SqliteLeadStore::SetProjectActive(const std::string& project_id, bool active) {
  std::lock_guard lock(writer_mu_);
  LEADGATE_STMT(s, *writer_, Q::kSetProjectActive);
  s.Text(1, project_id).Int(2, active ? 1 : 0);
  LEADGATE_TRY(done, s.Step("update project"));
  // changes() counts the rows the WHERE matched, whether or not the value changed.
  if (sqlite3_changes(writer_->db()) == 0) {
    return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  }
  return {};
}

Status SqliteLeadStore::SetProjectRateLimit(const std::string& project_id,
                                            std::optional<core::ProjectRateLimit> limit) {
  if (auto ok = core::ValidateRateLimit(limit); !ok) return ok;
  std::lock_guard lock(writer_mu_);
  LEADGATE_STMT(s, *writer_, Q::kSetProjectRateLimit);
  s.Text(1, project_id)
      .OptInt(2, limit ? std::optional(limit->requests) : std::nullopt)
      .OptInt(3, limit ? std::optional(limit->period_ms) : std::nullopt);
  LEADGATE_TRY(done, s.Step("set project rate limit"));
  if (sqlite3_changes(writer_->db()) == 0) {
    return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  }
  return {};
}

Status SqliteLeadStore::CreateProcess(const core::Process& process) {
  std::lock_guard lock(writer_mu_);
  // Checked first so "no such project" wins over a taken id, as in every store. Projects are
  // never deleted, so check-then-insert cannot race; the foreign key stays as the backstop.
  LEADGATE_TRY(seq_stmt, writer_->Get(Q::kProjectSeq));
  LEADGATE_TRY(project_seq, LookupSeq(*seq_stmt, process.project_id, std::nullopt, "find project"));
  if (!*project_seq) {
    return MakeError(ErrorCode::kNotFound, "project " + process.project_id + " not found");
  }
  LEADGATE_STMT(s, *writer_, Q::kInsertProcess);
  s.Text(1, process.id)
      .Int(2, **project_seq)
      .Text(3, process.name)
      .Int(4, core::ToUnixMillis(process.created_at));
  return InsertOrAlreadyExists(s, "insert process", "process " + process.id + " already exists");
}

Result<std::vector<core::Process>> SqliteLeadStore::ListProcesses(const std::string& project_id) {
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kListProcesses);
  s.Text(1, project_id);
  std::vector<core::Process> out;
  while (true) {
    LEADGATE_TRY(row, s.Step("list processes"));
    if (!*row) break;
    out.push_back(ReadProcess(s));
  }
  return out;
}

Result<std::optional<core::Process>> SqliteLeadStore::FindProcess(const std::string& project_id,
                                                                  const std::string& process_id) {
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kFindProcess);
  s.Text(1, project_id).Text(2, process_id);
  LEADGATE_TRY(row, s.Step("find process"));
  if (!*row) return std::optional<core::Process>();
  return std::optional<core::Process>(ReadProcess(s));
}

Status SqliteLeadStore::CreateApiKey(const core::ApiKeyRecord& key) {
  std::lock_guard lock(writer_mu_);
  LEADGATE_TRY(seq_stmt, writer_->Get(Q::kProjectSeq));
  LEADGATE_TRY(project_seq, LookupSeq(*seq_stmt, key.project_id, std::nullopt, "find project"));
  if (!*project_seq) {
    return MakeError(ErrorCode::kNotFound, "project " + key.project_id + " not found");
  }
  LEADGATE_STMT(s, *writer_, Q::kInsertApiKey);
  s.Text(1, key.id)
      .Text(2, key.project_id)
      .Text(3, key.secret_hash)
      .Int(4, key.revoked ? 1 : 0)
      .Int(5, core::ToUnixMillis(key.created_at));
  return InsertOrAlreadyExists(s, "insert api key", "api key " + key.id + " already exists");
}

Result<std::optional<core::ApiKeyRecord>> SqliteLeadStore::FindApiKey(const std::string& key_id) {
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kFindApiKey);
  s.Text(1, key_id);
  LEADGATE_TRY(row, s.Step("find api key"));
  if (!*row) return std::optional<core::ApiKeyRecord>();
  return std::optional<core::ApiKeyRecord>(ReadApiKey(s));
}

Status SqliteLeadStore::RevokeApiKey(const std::string& key_id) {
  std::lock_guard lock(writer_mu_);
  LEADGATE_STMT(s, *writer_, Q::kRevokeApiKey);
  s.Text(1, key_id);
  LEADGATE_TRY(done, s.Step("revoke api key"));
  if (sqlite3_changes(writer_->db()) == 0) {
    return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
  }
  return {};
}

// ---- leads ----

namespace {

// The writer's statements Ingest needs, fetched once per call.
struct IngestStmts {
  sqlite3_stmt* project_seq;
  sqlite3_stmt* process_seq;
  sqlite3_stmt* find_attempt;
  sqlite3_stmt* insert_lead;
  sqlite3_stmt* by_phone;
  sqlite3_stmt* by_reference;
  sqlite3_stmt* by_email;
  sqlite3_stmt* get_lead;
  sqlite3_stmt* init_lead;
  sqlite3_stmt* insert_activity;
};

// The id a `SELECT id ... WHERE <seq> = ?1 AND <column> = ?2` point lookup finds, if any.
Result<std::optional<std::string>> LookupId(sqlite3_stmt* raw, std::int64_t seq,
                                            std::string_view value, std::string_view what) {
  Stmt s(raw);
  s.Int(1, seq).Text(2, value);
  LEADGATE_TRY(row, s.Step(what));
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(s.ColText(0));
}

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

std::optional<core::ActivityType> ParseActivityType(std::string_view s) {
  for (const core::ActivityType t :
       {core::ActivityType::kCreated, core::ActivityType::kInitialized,
        core::ActivityType::kUpdated, core::ActivityType::kStateChanged}) {
    if (core::ToString(t) == s) return t;
  }
  return std::nullopt;
}

std::optional<std::string> OptStateText(const std::optional<core::LeadState>& state) {
  if (!state) return std::nullopt;
  return std::string(core::ToString(*state));
}

// Appends one activity of lead_id (whatever activity.lead_id says: an entry belongs to the lead
// whose transaction writes it).
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

// One Ingest, inside its transaction.
class IngestRun {
 public:
  IngestRun(const IngestStmts& q, const core::IngestBatch& batch) : q_(q), batch_(batch) {}

  Result<core::IngestBatchResult> Run() {
    // An unknown project is not an error by itself: its lead_ids are simply not found, and a
    // new lead fails below like any lead whose process is not in the batch's project.
    LEADGATE_TRY(project_seq,
                 LookupSeq(q_.project_seq, batch_.project_id, std::nullopt, "find project"));
    project_seq_ = *project_seq;

    core::IngestBatchResult result;
    result.inserted.reserve(batch_.new_leads.size());
    result.found.reserve(batch_.lead_ids.size());
    for (const core::Lead& lead : batch_.new_leads) {
      LEADGATE_TRY(outcome, IngestOne(lead));
      result.inserted.push_back(std::move(*outcome));
    }
    for (const std::string& id : batch_.lead_ids) {
      LEADGATE_TRY(found, FindAndInit(id));
      result.found.push_back(std::move(*found));
    }
    return result;
  }

 private:
  // The seq of a process of the batch's project (nullopt if it is not one), cached per batch:
  // a batch names few processes.
  Result<std::optional<std::int64_t>> ProcessSeq(const std::string& process_id) {
    if (!project_seq_) return std::optional<std::int64_t>();
    const auto it = process_seqs_.find(process_id);
    if (it != process_seqs_.end()) return it->second;
    LEADGATE_TRY(seq, LookupSeq(q_.process_seq, process_id, project_seq_, "find process"));
    process_seqs_.emplace(process_id, *seq);
    return *seq;
  }

  // The checks and insert of one new lead.
  Result<core::InsertOutcome> IngestOne(const core::Lead& lead) {
    using core::InsertStatus;
    if (lead.phone && project_seq_) {
      LEADGATE_TRY(attempt, LookupId(q_.find_attempt, *project_seq_, *lead.phone, "find attempt"));
      if (*attempt) return core::InsertOutcome{InsertStatus::kPhoneAlreadyAttempted, **attempt};
    }
    LEADGATE_TRY(process_seq, ProcessSeq(lead.process_id));
    if (!*process_seq) {
      // No lead of this process can exist in the project, so only the email rule can apply;
      // past it the lead would be inserted, which the foreign key forbids: a caller bug.
      if (lead.email && project_seq_) {
        LEADGATE_TRY(hit, LookupId(q_.by_email, *project_seq_, *lead.email, "find lead by email"));
        if (*hit) return core::InsertOutcome{InsertStatus::kDuplicateEmail, **hit};
      }
      return MakeError(ErrorCode::kInternal,
                       "sqlite: lead " + lead.id + " names process " + lead.process_id +
                           ", which is not a process of project " + batch_.project_id);
    }

    {
      Stmt s(q_.insert_lead);
      s.Text(1, lead.id)
          .Int(2, *project_seq_)
          .Int(3, **process_seq)
          .OptText(4, lead.group_id)
          .OptText(5, lead.name)
          .OptText(6, lead.first_name)
          .OptText(7, lead.last_name)
          .OptText(8, lead.phone)
          .OptText(9, lead.email)
          .OptText(10, lead.reference_id)
          .OptText(11, lead.metadata_json)
          .Text(12, core::ToString(lead.state))
          .Int(13, lead.attempts)
          .OptInt(14, lead.next_attempt_at
                          ? std::optional(core::ToUnixMillis(*lead.next_attempt_at))
                          : std::nullopt)
          .Int(15, core::ToUnixMillis(lead.created_at))
          .Int(16, core::ToUnixMillis(lead.updated_at))
          .Text(17, core::ToString(lead.created_state))
          .OptText(18, lead.last_disposition);
      LEADGATE_TRY(done, s.Step("insert lead"));
      if (sqlite3_changes(sqlite3_db_handle(q_.insert_lead)) == 1) return core::InsertOutcome{};
    }

    // DO NOTHING fired: a unique index holds a colliding lead. Name the first rule, in the
    // documented order, and the lead it collides with.
    if (lead.phone) {
      LEADGATE_TRY(hit, LookupId(q_.by_phone, **process_seq, *lead.phone, "find lead by phone"));
      if (*hit) return core::InsertOutcome{InsertStatus::kDuplicatePhone, **hit};
    }
    if (lead.reference_id) {
      LEADGATE_TRY(hit, LookupId(q_.by_reference, **process_seq, *lead.reference_id,
                                 "find lead by reference"));
      if (*hit) return core::InsertOutcome{InsertStatus::kDuplicateReference, **hit};
    }
    if (lead.email) {
      LEADGATE_TRY(hit, LookupId(q_.by_email, *project_seq_, *lead.email, "find lead by email"));
      if (*hit) return core::InsertOutcome{InsertStatus::kDuplicateEmail, **hit};
    }
    // Only the primary key is left: the caller reused a lead id. A bug, not a duplicate.
    return MakeError(ErrorCode::kInternal, "sqlite: lead id " + lead.id + " is already stored");
  }

  // One lead_ids entry: the lead after init, or nullopt.
  Result<std::optional<core::Lead>> FindAndInit(const std::string& lead_id) {
    const std::string id = LowerAscii(lead_id);
    std::optional<core::Lead> lead;
    {
      Stmt s(q_.get_lead);
      s.Text(1, id).Text(2, batch_.project_id);
      LEADGATE_TRY(row, s.Step("get lead"));
      if (!*row) return lead;
      LEADGATE_TRY(read, ReadLead(s));
      lead = std::move(*read);
    }
    if (batch_.init && lead->state == core::LeadState::kCreated) {
      Stmt s(q_.init_lead);
      s.Text(1, id).Int(2, core::ToUnixMillis(batch_.now));
      LEADGATE_TRY(done, s.Step("init lead"));
      lead->state = core::LeadState::kInitialized;
      lead->updated_at = batch_.now;
      lead->next_attempt_at = batch_.now;
      // The timeline entry of this init, in the same transaction. Its id is the lead's: the store
      // has no id generator, and a lead is initialized through leadIds at most once.
      core::Activity init;
      init.id = lead->id;
      init.lead_id = lead->id;
      init.type = core::ActivityType::kInitialized;
      init.at = batch_.now;
      init.from = core::LeadState::kCreated;
      init.to = core::LeadState::kInitialized;
      LEADGATE_TRY(stored, InsertActivity(q_.insert_activity, lead->id, init));
    }
    return lead;
  }

  const IngestStmts& q_;
  const core::IngestBatch& batch_;
  std::optional<std::int64_t> project_seq_;
  std::unordered_map<std::string, std::optional<std::int64_t>> process_seqs_;
};

}  // namespace

Result<core::IngestBatchResult> SqliteLeadStore::Ingest(const core::IngestBatch& batch) {
  for (const core::Lead& lead : batch.new_leads) {
    if (lead.project_id != batch.project_id) {
      return MakeError(ErrorCode::kInvalidArgument, "lead " + lead.id + " has project " +
                                                        lead.project_id + ", batch has " +
                                                        batch.project_id);
    }
  }

  std::lock_guard lock(writer_mu_);
  Connection& w = *writer_;
  IngestStmts q{};
  for (const auto& [slot, which] : {
           std::pair{&q.project_seq, Q::kProjectSeq},
           std::pair{&q.process_seq, Q::kProcessSeq},
           std::pair{&q.find_attempt, Q::kFindAttempt},
           std::pair{&q.insert_lead, Q::kInsertLead},
           std::pair{&q.by_phone, Q::kFindLeadByPhone},
           std::pair{&q.by_reference, Q::kFindLeadByReference},
           std::pair{&q.by_email, Q::kFindLeadByEmail},
           std::pair{&q.get_lead, Q::kGetLead},
           std::pair{&q.init_lead, Q::kInitLead},
           std::pair{&q.insert_activity, Q::kInsertActivity},
       }) {
    LEADGATE_TRY(stmt, w.Get(which));
    *slot = *stmt;
  }

  {
    LEADGATE_STMT(begin, w, Q::kBeginImmediate);
    LEADGATE_TRY(began, begin.Step("begin ingest"));
  }
  auto result = IngestRun(q, batch).Run();
  if (!result || batch.dry_run) {
    RollbackIfOpen(w.db());
    return result;
  }
  auto committed = [&]() -> Status {
    LEADGATE_STMT(commit, w, Q::kCommit);
    LEADGATE_TRY(done, commit.Step("commit ingest"));
    return {};
  }();
  if (!committed) {
    RollbackIfOpen(w.db());
    return std::unexpected(committed.error());
  }
  return result;
}

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

// The first entries of a lead's timeline, derived from the row (core/activity.hpp), newest
// first: `initialized` (only for a lead created with init) was "written" after `created`.
std::vector<core::Activity> DerivedActivities(const core::Lead& lead) {
  std::vector<core::Activity> out;
  if (lead.created_state == core::LeadState::kInitialized) {
    core::Activity init;
    init.id = lead.id;
    init.lead_id = lead.id;
    init.type = core::ActivityType::kInitialized;
    init.at = lead.created_at;
    init.from = core::LeadState::kCreated;
    init.to = core::LeadState::kInitialized;
    out.push_back(std::move(init));
  }
  core::Activity created;
  created.id = lead.id;
  created.lead_id = lead.id;
  created.type = core::ActivityType::kCreated;
  created.at = lead.created_at;
  out.push_back(std::move(created));
  return out;
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
  std::vector<core::Activity> derived = DerivedActivities(lead);
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

Status SqliteLeadStore::Ping() {
  ReaderLease reader = AcquireReader();
  LEADGATE_STMT(s, *reader, Q::kPing);
  LEADGATE_TRY(row, s.Step("ping"));
  return {};
}

// ---- transactions ----

Status SqliteLeadStore::InWriteTransaction(std::string_view what,
                                           const std::function<Status()>& body) {
  Connection& w = *writer_;
  {
    LEADGATE_STMT(begin, w, Q::kBeginImmediate);
    LEADGATE_TRY(began, begin.Step("begin " + std::string(what)));
  }
  Status status = body();
  if (status) {
    status = [&]() -> Status {
      LEADGATE_STMT(commit, w, Q::kCommit);
      LEADGATE_TRY(done, commit.Step("commit " + std::string(what)));
      return {};
    }();
  }
  if (!status) RollbackIfOpen(w.db());
  return status;
}

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

// File: sqlite_lead_store.cpp
//
// SqliteLeadStore's lifecycle and tenancy: Open (pragmas, migrations, the reader pool), Ping, the
// write transaction, and projects, processes and API keys. The other members are in
// sqlite_ingest.cpp (Ingest, with the design notes and the measurements behind the pragma values
// below), sqlite_lead_reads.cpp (lead reads and updates) and sqlite_limits.cpp (key guard and
// idempotency).
#include "storage/sqlite_lead_store.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "storage/sqlite_internal.hpp"
#include "storage/sqlite_migrator.hpp"
#include "storage/sqlite_statement.hpp"

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;
using internal::ExecOnce;
using internal::InsertOrAlreadyExists;
using internal::LookupSeq;
using internal::Q;
using internal::QueryOnce;
using internal::RollbackIfOpen;
using internal::Stmt;

namespace {

// STRICT tables (0001_init.sql) need SQLite 3.37.
constexpr int kMinSqliteVersion = 3037000;

constexpr std::int64_t kWriterCacheKib = 64 * 1024;
constexpr std::int64_t kReaderCacheKib = 16 * 1024;
constexpr int kWalAutocheckpointPages = 16384;  // 64 MiB of 4 KiB pages
constexpr std::int64_t kJournalSizeLimitBytes = 64LL * 1024 * 1024;

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

}  // namespace

// ---- the reader pool ----

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

// ---- Open ----

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

  if (auto ok = internal::Migrate(wdb, options.path); !ok) return std::unexpected(ok.error());

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

// ---- projects, processes, keys ----

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

}  // namespace leadgate::storage

// File: sqlite_lead_store.hpp
//
// core::LeadStore on one SQLite database file: the default store of a single leadgate host.
//
//   auto store = storage::SqliteLeadStore::Open({.path = "/var/lib/leadgate/leadgate.db"});
//   if (!store) return std::unexpected(store.error());
//   core::LeadStore& leads = **store;
//
// Durability. Every write is one transaction; a call that returns a value has committed it. The
// database runs in WAL mode, and `sync` chooses what a commit promises:
//   kFull   (default; PRAGMA synchronous=FULL) the WAL is fsynced at every commit: a committed
//           transaction survives a process crash AND an operating-system crash or power loss.
//           This is what "a 200 means every lead in `success` is durably stored" requires.
//   kNormal (PRAGMA synchronous=NORMAL) the WAL is fsynced only at checkpoints: a committed
//           transaction survives a process crash, but the last commits before a power loss or
//           OS crash may roll back (the database itself stays consistent). Only for hosts whose
//           storage has its own power-loss protection, or for throwaway environments.
// There is no setting that turns syncing off.
//
// Schema. Open applies the embedded migrations (migrations/sqlite/*.sql, see
// sqlite_migrations.hpp) that the file lacks, in version order, each in its own transaction and
// recorded in schema_migrations. A file that records a migration this binary does not know (it
// was written by a newer leadgate) is refused with kFailedPrecondition, and left untouched.
// Several processes may open the same file: SQLite's locks serialise their writers, and the
// unique indexes keep the duplicate rules whatever the interleaving.
//
// Concurrency. One writer connection, guarded by a mutex, runs every write (Ingest, dry runs
// included, and the admin writes); `read_connections` read-only connections serve the reads
// (FindApiKey, FindProcess, GetLead, GetKeyGuard, ...) in parallel with each other and with the
// writer (WAL readers never block and are never blocked by the writer). Every connection prepares
// each statement once and reuses it. All methods are thread-safe.
//
// Idempotency and key guard (0002). BeginIdempotent and RecordStrike are read-modify-write, so
// each is one BEGIN IMMEDIATE transaction on the writer: exactly one caller, of any number of
// threads or processes on the file, gets kStarted, and every concurrent strike is counted.
// GetKeyGuard (every API request) is one read on the reader pool. Expired idempotency records
// are replaced when their key is used again, and each BeginIdempotent also deletes up to 100 of
// the oldest expired records of other keys (judged by its own ttl), so the table holds about one
// ttl's worth of records.
//
// Lead reads and updates (0003). FindLeadByReference, ListActivities and QueryLeads run on the
// reader pool; QueryLeads prepares one statement per combination of set filters (per reader,
// cached). UpdateLead is one BEGIN IMMEDIATE transaction on the writer (read, mutate, UPDATE,
// INSERT activities, COMMIT), and calls `mutate` holding the writer: mutate must not call this
// store. Activities that Ingest's leadIds init appends carry the lead's id as their own id (the
// store generates no ids; a lead is initialized that way at most once). A stored activity
// belongs to the lead whose transaction wrote it, whatever its lead_id field said.
//
// Errors: SQLITE_BUSY / LOCKED (another process held the lock beyond busy_timeout_ms), IOERR,
// CANTOPEN, FULL -> kUnavailable; anything else -> kInternal. The message names the operation and
// carries sqlite3_errmsg, for logs only. A failed call wrote nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/lead_store.hpp"

namespace leadgate::storage {

struct SqliteOptions {
  // The database file. Created, with its missing parent directories, if absent. Must be a real
  // file (not ":memory:"): the reader connections open it separately.
  std::string path;

  enum class Sync { kFull, kNormal };
  // What a commit promises; see the file comment. kFull unless the host's storage makes power
  // loss harmless.
  Sync sync = Sync::kFull;

  // How long a connection waits for a lock held by another process before the call fails with
  // kUnavailable. Within one process the writer mutex already serialises writers.
  int busy_timeout_ms = 5000;

  // Read-only connections in the pool (>= 1). A read waits for a free one.
  int read_connections = 4;
};

// The pragmas in effect on the writer connection, as SQLite reports them (for tests and the
// startup log).
struct SqlitePragmas {
  std::string journal_mode;  // "wal"
  int synchronous = 0;       // 2 = FULL, 1 = NORMAL
  int foreign_keys = 0;      // 1 = enforced
  int busy_timeout_ms = 0;
  std::int64_t cache_size = 0;  // negative: KiB, as in PRAGMA cache_size
  int wal_autocheckpoint = 0;   // pages
  int temp_store = 0;           // 2 = MEMORY
  int schema_version = 0;       // highest applied migration
};

class SqliteLeadStore final : public core::LeadStore {
 public:
  // Opens (creating if needed) and migrates the database, then opens the reader pool.
  // kInvalidArgument for bad options; kFailedPrecondition for a schema newer than this binary;
  // kUnavailable when the file cannot be created, opened or locked; kInternal otherwise.
  static core::Result<std::unique_ptr<SqliteLeadStore>> Open(const SqliteOptions& options);

  ~SqliteLeadStore() override;
  SqliteLeadStore(const SqliteLeadStore&) = delete;
  SqliteLeadStore& operator=(const SqliteLeadStore&) = delete;

  core::Status CreateProject(const core::Project& project) override;
  core::Result<core::Project> GetProject(const std::string& project_id) override;
  core::Result<std::vector<core::Project>> ListProjects() override;
  core::Status SetProjectActive(const std::string& project_id, bool active) override;
  core::Status SetProjectRateLimit(const std::string& project_id,
                                   std::optional<core::ProjectRateLimit> limit) override;

  core::Status CreateProcess(const core::Process& process) override;
  core::Result<std::vector<core::Process>> ListProcesses(const std::string& project_id) override;
  core::Result<std::optional<core::Process>> FindProcess(const std::string& project_id,
                                                         const std::string& process_id) override;

  core::Status CreateApiKey(const core::ApiKeyRecord& key) override;
  core::Result<std::optional<core::ApiKeyRecord>> FindApiKey(const std::string& key_id) override;
  core::Status RevokeApiKey(const std::string& key_id) override;

  core::Result<core::IngestBatchResult> Ingest(const core::IngestBatch& batch) override;
  core::Result<std::optional<core::Lead>> GetLead(const std::string& project_id,
                                                  const std::string& lead_id) override;
  core::Result<std::int64_t> CountLeads(const std::string& project_id) override;
  core::Result<std::optional<core::Lead>> FindLeadByReference(
      const std::string& project_id, const std::string& process_id,
      const std::string& reference_id) override;
  core::Result<std::vector<core::Activity>> ListActivities(const std::string& project_id,
                                                           const std::string& lead_id,
                                                           std::size_t limit) override;
  core::Result<std::vector<core::Lead>> QueryLeads(const core::LeadQuery& query) override;
  core::Result<core::Lead> UpdateLead(
      const std::string& project_id, const std::string& lead_id,
      const std::function<core::Result<core::LeadMutation>(const core::Lead&)>& mutate) override;
  core::Status RecordCallAttempt(const std::string& attempt_id, const std::string& project_id,
                                 const std::string& lead_id, const std::string& phone,
                                 core::TimePoint at) override;
  core::Status Ping() override;

  core::Result<core::IdempotencyBegin> BeginIdempotent(
      const std::string& scope, const std::string& key, const std::string& request_hash,
      core::TimePoint now, std::chrono::milliseconds ttl,
      std::chrono::milliseconds stale_after) override;
  core::Status CompleteIdempotent(const std::string& scope, const std::string& key,
                                  const core::StoredResponse& response) override;
  core::Status AbandonIdempotent(const std::string& scope, const std::string& key) override;

  core::Result<core::KeyGuardState> RecordStrike(const std::string& key_id, core::TimePoint now,
                                                 std::chrono::milliseconds window, int max_strikes,
                                                 std::chrono::milliseconds block_for) override;
  core::Result<core::KeyGuardState> GetKeyGuard(const std::string& key_id, core::TimePoint now,
                                                std::chrono::milliseconds window) override;
  core::Status UnblockKey(const std::string& key_id) override;

  // The writer connection's pragmas (see SqlitePragmas).
  core::Result<SqlitePragmas> EffectivePragmas();

 private:
  class Connection;   // one sqlite3 handle and its prepared statements (defined in the .cpp)
  class ReaderLease;  // a reader borrowed from the pool, returned on destruction

  SqliteLeadStore(std::unique_ptr<Connection> writer,
                  std::vector<std::unique_ptr<Connection>> readers);

  // Runs body inside BEGIN IMMEDIATE ... COMMIT on the writer (the caller holds writer_mu_);
  // rolls back if body or the commit fails, and returns that error.
  core::Status InWriteTransaction(std::string_view what, const std::function<core::Status()>& body);

  ReaderLease AcquireReader();
  void ReleaseReader(std::unique_ptr<Connection> reader);

  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by writer_mu_

  std::mutex readers_mu_;
  std::condition_variable reader_free_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
};

}  // namespace leadgate::storage

// File: postgres_lead_store.hpp
//
// core::LeadStore on a PostgreSQL database (libpq): the store of a scaled-out deployment, where
// several leadgate instances share one database. Same semantics as SqliteLeadStore; it passes the
// same contract suite (tests/contract/lead_store_contract_test.cpp).
//
//   auto store = storage::PostgresLeadStore::Open({.url = "postgresql://leadgate@db/leadgate"});
//   if (!store) return std::unexpected(store.error());
//
// Connections. A pool of at most `pool_size` connections, made lazily (Open makes one, for the
// migrations) and re-made after failure: a connection the server closed (restart, terminated
// backend, network loss) is noticed when it is next taken from the pool, or fails its call with
// kUnavailable, and is discarded; the next call connects again. So the store recovers by itself
// once PostgreSQL is back, and Open succeeds only when the server is reachable. Nothing waits
// forever: connect_timeout bounds a connect, statement_timeout (server side) and TCP keepalives /
// tcp_user_timeout (client side) bound a statement, `pool_wait_ms` bounds the wait for a free
// connection. Settings in the URL (?connect_timeout=..., options=...) override these defaults.
//
// Schema. Open applies the embedded migrations (migrations/postgres/*.sql) that the database
// lacks, all in one transaction under a session advisory lock, so instances starting together
// are safe: one migrates, the others wait and then find nothing to do. A database that records a
// migration this binary does not know is refused with kFailedPrecondition, untouched.
//
// Durability and atomicity. Every call is one transaction (Ingest's common case is a single
// autocommit statement: a PL/pgSQL function, see postgres_ingest.cpp); a call that returns a value
// has committed it, with the server's synchronous_commit setting. A call that fails wrote nothing,
// except in one case no client can rule out: the connection breaks after COMMIT was sent and
// before its answer arrived. The transaction may then have committed; the call reports
// kUnavailable (the message says "commit outcome unknown"), and a retry is safe for Ingest (the
// duplicate rules then name the lead the first attempt stored) and for the idempotent admin
// writes.
//
// Concurrency. Every method is thread-safe and runs on its own pooled connection. Uniqueness
// (lead phone/referenceId per project+process, email per project, ids) is decided by unique
// indexes, so racing instances never store a duplicate. Read-modify-write methods (UpdateLead,
// RecordStrike, Ingest's leadIds init) lock the row (SELECT ... FOR UPDATE); BeginIdempotent is
// one INSERT ... ON CONFLICT DO UPDATE ... WHERE, which PostgreSQL serialises per key. A
// transaction the server aborts for a deadlock or serialization conflict is retried (up to 3
// times) before kUnavailable.
//
// UpdateLead calls `mutate` while it holds a pooled connection and the lead's row lock: `mutate`
// must not call this store.
//
// Errors: kUnavailable when the server cannot be reached, is shutting down, times out, or the
// connection is lost mid-call (nothing written); kInternal for anything else unexpected. Text
// holding a NUL byte cannot be stored in PostgreSQL: a write of one is kInvalidArgument (the
// validators keep them out), while a lookup by one finds nothing, as in every store (no stored
// value holds a NUL), instead of failing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/lead_store.hpp"

namespace leadgate::storage {

namespace internal {
class PgConnection;
class PgPool;
}  // namespace internal

struct PostgresOptions {
  std::string url;  // postgres:// or postgresql:// URL (libpq syntax)
  int pool_size = 8;
  int connect_timeout_s = 5;
  int statement_timeout_ms = 30000;
  int pool_wait_ms = 10000;
};

class PostgresLeadStore final : public core::LeadStore {
 public:
  // kInvalidArgument for bad options or a malformed URL; kUnavailable when the server cannot be
  // reached; kFailedPrecondition for a database of a newer leadgate; kInternal if a migration
  // fails.
  static core::Result<std::unique_ptr<PostgresLeadStore>> Open(const PostgresOptions& options);
  ~PostgresLeadStore() override;

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

  core::Result<core::KeyGuardState> RecordStrike(const std::string& key_id, core::TimePoint now,
                                                 std::chrono::milliseconds window, int max_strikes,
                                                 std::chrono::milliseconds block_for) override;
  core::Result<core::KeyGuardState> GetKeyGuard(const std::string& key_id, core::TimePoint now,
                                                std::chrono::milliseconds window) override;
  core::Status UnblockKey(const std::string& key_id) override;

  core::Result<core::IdempotencyBegin> BeginIdempotent(
      const std::string& scope, const std::string& key, const std::string& request_hash,
      core::TimePoint now, std::chrono::milliseconds ttl,
      std::chrono::milliseconds stale_after) override;
  core::Status CompleteIdempotent(const std::string& scope, const std::string& key,
                                  const core::StoredResponse& response) override;
  core::Status AbandonIdempotent(const std::string& scope, const std::string& key) override;

  // Closes the pool's idle connections (tests: so that every next call reconnects).
  void DropIdleConnections();

 private:
  explicit PostgresLeadStore(std::unique_ptr<internal::PgPool> pool);

  // Runs body on a pooled connection, outside any explicit transaction (one statement, or reads
  // that need no common snapshot).
  core::Status OnConnection(const std::function<core::Status(internal::PgConnection&)>& body);
  // Runs body inside BEGIN ... COMMIT on a pooled connection; rolls back if body fails, and
  // always with `roll_back` (dry runs). Retries the whole transaction when the server aborted it
  // for a deadlock or serialization conflict (body must be safe to run again).
  core::Status InTransaction(std::string_view what,
                             const std::function<core::Status(internal::PgConnection&)>& body,
                             bool roll_back = false);

  std::unique_ptr<internal::PgPool> pool_;
};

}  // namespace leadgate::storage

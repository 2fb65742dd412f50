// File: postgres_lead_store.cpp
//
// PostgresLeadStore's lifecycle and tenancy: Open (conninfo defaults, migrations), the connection
// and transaction helpers, Ping, and projects, processes and API keys. The other members are in
// postgres_ingest.cpp (Ingest, with the design notes and measurements), postgres_lead_reads.cpp
// (lead reads and updates) and postgres_limits.cpp (key guard and idempotency).
#include "storage/postgres_lead_store.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/postgres_connection.hpp"
#include "storage/postgres_migrator.hpp"
#include "storage/postgres_pool.hpp"
#include "storage/postgres_rows.hpp"

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;
using internal::InsertForProject;
using internal::PgConnection;
using internal::PgParams;
using internal::PgResult;

namespace {

// A transaction the server aborted for a deadlock or serialization conflict runs again, at most
// this many times in all.
constexpr int kConflictAttempts = 3;

#define LEADGATE_PG_PROJECT_COLUMNS \
  "id, name, region, active, created_at, rate_limit_requests, rate_limit_period_ms"

core::Project ReadProject(const PgResult& r, int row) {
  core::Project p;
  p.id = r.Text(row, 0);
  p.name = r.Text(row, 1);
  p.region = r.Text(row, 2);
  p.active = r.Bool(row, 3);
  p.created_at = core::FromUnixMillis(r.Int(row, 4));
  // The schema keeps both columns NULL or both set.
  if (!r.IsNull(row, 5)) p.rate_limit = core::ProjectRateLimit{r.Int(row, 5), r.Int(row, 6)};
  return p;
}

core::Process ReadProcess(const PgResult& r, int row) {
  return core::Process{.id = r.Text(row, 0),
                       .project_id = r.Text(row, 1),
                       .name = r.Text(row, 2),
                       .created_at = core::FromUnixMillis(r.Int(row, 3))};
}

}  // namespace

// ---- Open ----

Result<std::unique_ptr<PostgresLeadStore>> PostgresLeadStore::Open(const PostgresOptions& options) {
  if (!options.url.starts_with("postgres://") && !options.url.starts_with("postgresql://")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "postgres: url must start with postgres:// or postgresql://");
  }
  if (options.pool_size < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "postgres: pool_size must be >= 1");
  }
  if (options.connect_timeout_s < 1 || options.statement_timeout_ms < 1 ||
      options.pool_wait_ms < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "postgres: timeouts must be positive");
  }
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string message = parse_error != nullptr ? parse_error : "out of memory";
    PQfreemem(parse_error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return MakeError(ErrorCode::kInvalidArgument, "postgres: bad url: " + message);
  }
  PQconninfoFree(parsed);

  // Defaults first: the URL (expanded from "dbname") comes last and overrides them.
  std::vector<std::pair<std::string, std::string>> conninfo = {
      {"connect_timeout", std::to_string(options.connect_timeout_s)},
      {"options", "-c statement_timeout=" + std::to_string(options.statement_timeout_ms) +
                      " -c idle_in_transaction_session_timeout=" +
                      std::to_string(options.statement_timeout_ms * 2)},
      // A server that vanished without closing the socket (host down, network cut) is noticed
      // within ~tcp_user_timeout instead of the kernel's ~15 minutes of retransmissions.
      {"keepalives", "1"},
      {"keepalives_idle", "10"},
      {"keepalives_interval", "5"},
      {"keepalives_count", "3"},
      {"tcp_user_timeout", std::to_string(options.statement_timeout_ms + 5000)},
      {"application_name", "leadgate"},
      {"dbname", options.url},
  };
  auto pool = std::make_unique<internal::PgPool>(std::move(conninfo), options.pool_size,
                                                 std::chrono::milliseconds(options.pool_wait_ms));
  {
    LEADGATE_PG_TRY(lease, pool->Acquire());
    if (auto ok = internal::MigratePostgres(**lease); !ok) return std::unexpected(ok.error());
  }
  return std::unique_ptr<PostgresLeadStore>(new PostgresLeadStore(std::move(pool)));
}

PostgresLeadStore::PostgresLeadStore(std::unique_ptr<internal::PgPool> pool)
    : pool_(std::move(pool)) {}

PostgresLeadStore::~PostgresLeadStore() = default;

void PostgresLeadStore::DropIdleConnections() { pool_->DropIdle(); }

// ---- connections and transactions ----

Status PostgresLeadStore::OnConnection(const std::function<Status(PgConnection&)>& body) {
  LEADGATE_PG_TRY(lease, pool_->Acquire());
  return body(**lease);
}

Status PostgresLeadStore::InTransaction(std::string_view what,
                                        const std::function<Status(PgConnection&)>& body,
                                        bool roll_back) {
  for (int attempt = 1;; ++attempt) {
    LEADGATE_PG_TRY(lease, pool_->Acquire());
    PgConnection& conn = **lease;
    if (auto ok = conn.ExecScript("BEGIN", "begin " + std::string(what)); !ok) return ok;
    Status status = body(conn);
    if (!status) {
      const std::string sqlstate = conn.last_sqlstate();
      // A failed ROLLBACK leaves the connection inside the transaction; the pool then closes it,
      // which rolls back on the server.
      if (conn.InTransaction()) (void)conn.ExecScript("ROLLBACK", "roll back");
      if (internal::IsRetryableConflict(sqlstate) && attempt < kConflictAttempts) continue;
      return status;
    }
    if (roll_back) return conn.ExecScript("ROLLBACK", "roll back " + std::string(what));
    auto committed = conn.ExecScript("COMMIT", "commit " + std::string(what));
    if (committed) return {};
    // COMMIT ambiguity: when the connection broke after COMMIT was sent, the server may or may
    // not have committed, and no client can tell. Say so; the caller sees kUnavailable (see the
    // header on why retrying is safe). A COMMIT the server answered with an error rolled back.
    if (conn.last_sqlstate().empty()) {
      return MakeError(ErrorCode::kUnavailable, committed.error().message +
                                                    " (connection lost during COMMIT: commit "
                                                    "outcome unknown)");
    }
    if (internal::IsRetryableConflict(conn.last_sqlstate()) && attempt < kConflictAttempts) {
      continue;
    }
    return committed;
  }
}

Status PostgresLeadStore::Ping() {
  return OnConnection([](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("SELECT 1", "ping"));
    return {};
  });
}

// ---- projects, processes, keys ----

Status PostgresLeadStore::CreateProject(const core::Project& project) {
  if (auto ok = core::ValidateRateLimit(project.rate_limit); !ok) return ok;
  PgParams p;
  p.Text(project.id)
      .Text(project.name)
      .Text(project.region)
      .Bool(project.active)
      .Int(core::ToUnixMillis(project.created_at))
      .OptInt(project.rate_limit ? std::optional(project.rate_limit->requests) : std::nullopt)
      .OptInt(project.rate_limit ? std::optional(project.rate_limit->period_ms) : std::nullopt);
  return OnConnection([&](PgConnection& conn) -> Status {
    auto res = conn.Exec(
        "INSERT INTO projects (id, name, region, active, created_at, rate_limit_requests, "
        "rate_limit_period_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        p, "insert project");
    if (!res && conn.last_sqlstate() == internal::kUniqueViolation) {
      return MakeError(ErrorCode::kAlreadyExists, "project " + project.id + " already exists");
    }
    if (!res) return std::unexpected(res.error());
    return {};
  });
}

Result<core::Project> PostgresLeadStore::GetProject(const std::string& project_id) {
  core::Project out;
  if (internal::AnyNul({project_id})) {
    return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
  }
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res,
                    conn.Exec("SELECT " LEADGATE_PG_PROJECT_COLUMNS " FROM projects WHERE id = $1",
                              PgParams().Text(project_id), "get project"));
    if (res->rows() == 0) {
      return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
    }
    out = ReadProject(*res, 0);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Result<std::vector<core::Project>> PostgresLeadStore::ListProjects() {
  std::vector<core::Project> out;
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("SELECT " LEADGATE_PG_PROJECT_COLUMNS
                                   " FROM projects ORDER BY created_at, seq",
                                   "list projects"));
    for (int r = 0; r < res->rows(); ++r) out.push_back(ReadProject(*res, r));
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Status PostgresLeadStore::SetProjectActive(const std::string& project_id, bool active) {
  return OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("UPDATE projects SET active = $2 WHERE id = $1",
                                   PgParams().Text(project_id).Bool(active), "update project"));
    // PostgreSQL counts the rows the WHERE matched, whether or not the value changed.
    if (res->Affected() == 0) {
      return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
    }
    return {};
  });
}

Status PostgresLeadStore::SetProjectRateLimit(const std::string& project_id,
                                              std::optional<core::ProjectRateLimit> limit) {
  if (auto ok = core::ValidateRateLimit(limit); !ok) return ok;
  PgParams p;
  p.Text(project_id)
      .OptInt(limit ? std::optional(limit->requests) : std::nullopt)
      .OptInt(limit ? std::optional(limit->period_ms) : std::nullopt);
  return OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("UPDATE projects SET rate_limit_requests = $2, "
                                   "rate_limit_period_ms = $3 WHERE id = $1",
                                   p, "set project rate limit"));
    if (res->Affected() == 0) {
      return MakeError(ErrorCode::kNotFound, "project " + project_id + " not found");
    }
    return {};
  });
}

Status PostgresLeadStore::CreateProcess(const core::Process& process) {
  PgParams p;
  p.Text(process.id)
      .Text(process.project_id)
      .Text(process.name)
      .Int(core::ToUnixMillis(process.created_at));
  return OnConnection([&](PgConnection& conn) -> Status {
    return InsertForProject(conn,
                            "INSERT INTO processes (id, project_seq, name, created_at) "
                            "SELECT $1, seq, $3, $4 FROM projects WHERE id = $2",
                            p, "insert process", "project " + process.project_id + " not found",
                            "process " + process.id + " already exists");
  });
}

Result<std::vector<core::Process>> PostgresLeadStore::ListProcesses(const std::string& project_id) {
  std::vector<core::Process> out;
  if (internal::AnyNul({project_id})) return out;
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("SELECT pr.id, pj.id, pr.name, pr.created_at FROM processes pr "
                                   "JOIN projects pj ON pj.seq = pr.project_seq WHERE pj.id = $1 "
                                   "ORDER BY pr.created_at, pr.seq",
                                   PgParams().Text(project_id), "list processes"));
    for (int r = 0; r < res->rows(); ++r) out.push_back(ReadProcess(*res, r));
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Result<std::optional<core::Process>> PostgresLeadStore::FindProcess(const std::string& project_id,
                                                                    const std::string& process_id) {
  std::optional<core::Process> out;
  if (internal::AnyNul({project_id, process_id})) return out;
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("SELECT pr.id, pj.id, pr.name, pr.created_at FROM processes pr "
                                   "JOIN projects pj ON pj.seq = pr.project_seq "
                                   "WHERE pr.id = $2 AND pj.id = $1",
                                   PgParams().Text(project_id).Text(process_id), "find process"));
    if (res->rows() > 0) out = ReadProcess(*res, 0);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Status PostgresLeadStore::CreateApiKey(const core::ApiKeyRecord& key) {
  PgParams p;
  p.Text(key.id)
      .Text(key.project_id)
      .Text(key.secret_hash)
      .Bool(key.revoked)
      .Int(core::ToUnixMillis(key.created_at));
  return OnConnection([&](PgConnection& conn) -> Status {
    return InsertForProject(conn,
                            "INSERT INTO api_keys (id, project_id, secret_hash, revoked, "
                            "created_at) SELECT $1, id, $3, $4, $5 FROM projects WHERE id = $2",
                            p, "insert api key", "project " + key.project_id + " not found",
                            "api key " + key.id + " already exists");
  });
}

Result<std::optional<core::ApiKeyRecord>> PostgresLeadStore::FindApiKey(const std::string& key_id) {
  std::optional<core::ApiKeyRecord> out;
  if (internal::AnyNul({key_id})) return out;
  auto ok = OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("SELECT id, project_id, secret_hash, revoked, created_at "
                                   "FROM api_keys WHERE id = $1",
                                   PgParams().Text(key_id), "find api key"));
    if (res->rows() > 0) {
      out = core::ApiKeyRecord{.id = res->Text(0, 0),
                               .project_id = res->Text(0, 1),
                               .secret_hash = res->Text(0, 2),
                               .revoked = res->Bool(0, 3),
                               .created_at = core::FromUnixMillis(res->Int(0, 4))};
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Status PostgresLeadStore::RevokeApiKey(const std::string& key_id) {
  return OnConnection([&](PgConnection& conn) -> Status {
    LEADGATE_PG_TRY(res, conn.Exec("UPDATE api_keys SET revoked = true WHERE id = $1",
                                   PgParams().Text(key_id), "revoke api key"));
    if (res->Affected() == 0) {
      return MakeError(ErrorCode::kNotFound, "api key " + key_id + " not found");
    }
    return {};
  });
}

}  // namespace leadgate::storage

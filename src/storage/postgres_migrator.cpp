// File: postgres_migrator.cpp
#include "storage/postgres_migrator.hpp"

#include <algorithm>
#include <set>
#include <span>
#include <string>

#include "core/clock.hpp"
#include "storage/postgres_migrations.hpp"

namespace leadgate::storage::internal {

using core::ErrorCode;
using core::MakeError;

namespace {

// The advisory lock key of schema changes: "leadgate" in ASCII, so other applications sharing the
// database are unlikely to pick it.
constexpr const char* kLockSql = "SELECT pg_advisory_xact_lock(7810771123455501157)";

Status Steps(PgConnection& conn, std::span<const PostgresMigration> migrations) {
  LEADGATE_PG_TRY(locked, conn.Exec(kLockSql, "take the migration lock"));
  LEADGATE_PG_TRY(ledger,
                  conn.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL", "read schema"));
  std::set<int> applied;
  if (ledger->Bool(0, 0)) {
    LEADGATE_PG_TRY(rows,
                    conn.Exec("SELECT version FROM schema_migrations", "read schema_migrations"));
    for (int r = 0; r < rows->rows(); ++r) applied.insert(static_cast<int>(rows->Int(r, 0)));
  }
  for (const int v : applied) {
    const bool known = std::any_of(migrations.begin(), migrations.end(),
                                   [v](const PostgresMigration& m) { return m.version == v; });
    if (!known) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "postgres: the database records schema migration " + std::to_string(v) +
                           ", which this leadgate does not know (it knows up to " +
                           std::to_string(migrations.back().version) +
                           "): the database was written by a newer leadgate; upgrade leadgate");
    }
  }
  for (const PostgresMigration& m : migrations) {
    if (applied.contains(m.version)) continue;
    const std::string what = "migration " + std::string(m.name);
    if (auto ok = conn.ExecScript(m.sql, what); !ok) return ok;
    PgParams p;
    p.Int(m.version).Text(m.name).Int(core::ToUnixMillis(core::SystemClock().Now()));
    LEADGATE_PG_TRY(recorded, conn.Exec("INSERT INTO schema_migrations (version, name, applied_at) "
                                        "VALUES ($1, $2, $3)",
                                        p, what));
  }
  return {};
}

}  // namespace

Status MigratePostgres(PgConnection& conn) {
  const std::span<const PostgresMigration> migrations = PostgresMigrations();
  int last = 0;
  for (const PostgresMigration& m : migrations) {
    if (m.version <= last) {
      return MakeError(ErrorCode::kInternal,
                       "postgres: embedded migrations out of order at " + std::string(m.name));
    }
    last = m.version;
  }
  if (migrations.empty())
    return MakeError(ErrorCode::kInternal, "postgres: no migrations embedded");

  if (auto ok = conn.ExecScript("BEGIN", "begin migration"); !ok) return ok;
  Status status = Steps(conn, migrations);
  if (status) status = conn.ExecScript("COMMIT", "commit migration");
  if (!status && conn.InTransaction()) (void)conn.ExecScript("ROLLBACK", "roll back migration");
  return status;
}

}  // namespace leadgate::storage::internal

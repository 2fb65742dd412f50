// File: sqlite_migrator.cpp
#include "storage/sqlite_migrator.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <span>
#include <string>

#include "core/clock.hpp"
#include "storage/sqlite_migrations.hpp"
#include "storage/sqlite_statement.hpp"

namespace leadgate::storage::internal {

using core::ErrorCode;
using core::MakeError;

namespace {

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

}  // namespace

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

}  // namespace leadgate::storage::internal

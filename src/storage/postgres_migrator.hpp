// File: postgres_migrator.hpp
//
// Applies the embedded PostgreSQL migrations (postgres_migrations.hpp) a database lacks (internal
// to src/storage/; PostgresLeadStore::Open calls it).
#pragma once

#include "core/error.hpp"
#include "storage/postgres_connection.hpp"

namespace leadgate::storage::internal {

// In ONE transaction that first takes a transaction-level advisory lock (pg_advisory_xact_lock on
// a constant key, released by COMMIT/ROLLBACK): reads schema_migrations (absent in a fresh
// database), refuses a version this binary does not know (kFailedPrecondition, nothing changed),
// then runs every missing migration in version order and records it. Concurrent callers on one
// database queue on the lock; each statement after it sees what the previous holder committed, so
// the later ones find nothing left to do. A failure rolls everything back.
core::Status MigratePostgres(PgConnection& conn);

}  // namespace leadgate::storage::internal

// File: sqlite_migrator.hpp
//
// Applies the embedded schema migrations (sqlite_migrations.hpp) to a database file, for
// SqliteLeadStore::Open (internal to src/storage/).
#pragma once

#include <sqlite3.h>

#include <string>

#include "core/error.hpp"

namespace leadgate::storage::internal {

// Applies the missing migrations, one transaction each. Every round takes the write lock (BEGIN
// IMMEDIATE) before it reads what is applied, so two processes opening a new file at once apply
// each migration exactly once, and the refusal of unknown versions sees a settled ledger.
core::Status Migrate(sqlite3* db, const std::string& path);

}  // namespace leadgate::storage::internal

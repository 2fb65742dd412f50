// File: sqlite_statement.cpp
#include "storage/sqlite_statement.hpp"

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <utility>

namespace leadgate::storage::internal {

using core::ErrorCode;

namespace {

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

}  // namespace

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

Status ExecOnce(sqlite3* db, const std::string& sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(SqlError(db, rc, what));
  return {};
}

void RollbackIfOpen(sqlite3* db) {
  // After some errors (IOERR, FULL, ...) SQLite has already rolled back on its own.
  if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace leadgate::storage::internal

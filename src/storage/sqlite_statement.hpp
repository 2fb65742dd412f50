// File: sqlite_statement.hpp
//
// The thin layer over sqlite3 that SqliteLeadStore is written in (internal to src/storage/): the
// Error of a failed call, Stmt (one use of a prepared statement), statements run once outside the
// statement cache, and the LEADGATE_TRY / LEADGATE_STMT macros.
//
// Errors: SQLITE_BUSY / LOCKED, IOERR, CANTOPEN, FULL -> kUnavailable; anything else ->
// kInternal. The message names the operation and carries sqlite3_errmsg, for logs only.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace leadgate::storage::internal {

using core::Error;
using core::Result;
using core::Status;

// The error for a failed SQLite call. Call it right after the failure: sqlite3_errmsg describes
// the connection's most recent call.
Error SqlError(sqlite3* db, int rc, std::string_view what);

bool IsUniqueViolation(int rc);

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

Status ExecOnce(sqlite3* db, const std::string& sql, std::string_view what);

// Rolls back the connection's open transaction, if any.
void RollbackIfOpen(sqlite3* db);

}  // namespace leadgate::storage::internal

// `auto var = expr;` and return its error if it holds one.
#define LEADGATE_TRY(var, expr) \
  auto var = (expr);            \
  if (!var) return std::unexpected(std::move(var.error()))

// `Stmt var` over conn's cached statement q, or return the prepare error.
#define LEADGATE_STMT(var, conn, q)       \
  LEADGATE_TRY(var##_raw, (conn).Get(q)); \
  ::leadgate::storage::internal::Stmt var(*var##_raw)

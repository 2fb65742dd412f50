// File: sqlite_internal.hpp
//
// What the files of SqliteLeadStore (sqlite_lead_store.cpp, sqlite_ingest.cpp,
// sqlite_lead_reads.cpp, sqlite_limits.cpp) share, internal to src/storage/: the Connection with
// its statement cache, the reader lease, and the row helpers of more than one of them.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/lead_store.hpp"
#include "storage/sqlite_lead_store.hpp"
#include "storage/sqlite_queries.hpp"
#include "storage/sqlite_statement.hpp"

namespace leadgate::storage {

// ---- Connection ----

class SqliteLeadStore::Connection {
 public:
  static core::Result<std::unique_ptr<Connection>> Open(const std::string& path, int flags,
                                                        int busy_timeout_ms) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    // A handle comes back even on failure (to carry the message); the Connection owns it.
    auto conn = std::unique_ptr<Connection>(new Connection(db));
    if (rc != SQLITE_OK) return std::unexpected(internal::SqlError(db, rc, "open " + path));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    return conn;
  }

  ~Connection() {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    for (const auto& [mask, s] : query_stmts_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // The cached statement for q, prepared on first use.
  core::Result<sqlite3_stmt*> Get(internal::Q q) {
    sqlite3_stmt*& slot = stmts_[static_cast<std::size_t>(q)];
    if (slot == nullptr) {
      const int rc = sqlite3_prepare_v3(db_, internal::kSql[static_cast<std::size_t>(q)], -1,
                                        SQLITE_PREPARE_PERSISTENT, &slot, nullptr);
      if (rc != SQLITE_OK) {
        slot = nullptr;
        return std::unexpected(internal::SqlError(
            db_, rc, std::string("prepare ") + internal::kSql[static_cast<std::size_t>(q)]));
      }
    }
    return slot;
  }

  // The cached QueryLeads statement for one combination of set filters (`mask`, a bit per
  // filter), prepared from sql() on first use.
  core::Result<sqlite3_stmt*> GetQuery(unsigned mask, const std::function<std::string()>& sql) {
    const auto it = query_stmts_.find(mask);
    if (it != query_stmts_.end()) return it->second;
    const std::string text = sql();
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, text.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return std::unexpected(internal::SqlError(db_, rc, "prepare " + text));
    query_stmts_.emplace(mask, stmt);
    return stmt;
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::array<sqlite3_stmt*, static_cast<std::size_t>(internal::Q::kCount)> stmts_{};
  std::unordered_map<unsigned, sqlite3_stmt*> query_stmts_;
};

// ---- the reader pool ----

class SqliteLeadStore::ReaderLease {
 public:
  ReaderLease(SqliteLeadStore* store, std::unique_ptr<Connection> conn)
      : store_(store), conn_(std::move(conn)) {}
  ~ReaderLease() { store_->ReleaseReader(std::move(conn_)); }
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;

  Connection& operator*() const { return *conn_; }

 private:
  SqliteLeadStore* store_;
  std::unique_ptr<Connection> conn_;
};

namespace internal {

// Lead ids are matched case-insensitively, as ObjectIds are: the ids we generate are lower-case,
// and a client may send them in either case.
std::string LowerAscii(std::string_view s);

core::Result<core::Lead> ReadLead(const Stmt& s);

// The seq of the row a `SELECT seq ...` point lookup finds, if any.
Result<std::optional<std::int64_t>> LookupSeq(sqlite3_stmt* raw, std::string_view id,
                                              std::optional<std::int64_t> scope,
                                              std::string_view what);

// Steps an INSERT; a primary-key clash becomes kAlreadyExists with `clash`.
Status InsertOrAlreadyExists(Stmt& s, std::string_view what, std::string clash);

// Appends one activity of lead_id (whatever activity.lead_id says: an entry belongs to the lead
// whose transaction writes it).
Status InsertActivity(sqlite3_stmt* raw, const std::string& lead_id,
                      const core::Activity& activity);

}  // namespace internal

}  // namespace leadgate::storage

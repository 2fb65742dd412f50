// File: postgres_connection.hpp
//
// One libpq connection (internal to src/storage/): parameterised statements that are prepared once
// per connection and reused, results as RAII values, and libpq failures turned into core::Error
// values with the codes lead_store.hpp promises.
//
//   PgParams p;
//   p.Text(project_id).Int(now_ms).OptText(group);
//   auto res = conn.Exec("SELECT ... WHERE id = $1 AND at > $2", p, "find project");
//   if (!res) return std::unexpected(res.error());   // kUnavailable / kInternal / ...
//   for (int r = 0; r < res->rows(); ++r) use(res->Text(r, 0));
//
// Error classification (ErrorFromResult): the connection is gone (CONNECTION_BAD, no SQLSTATE,
// class 08), the server is shutting down or not accepting (57P01..57P03, class 53), a timeout
// (57014 statement_timeout, 55P03 lock_timeout), or a serialization failure / deadlock (40001,
// 40P01, retried first by the caller) -> kUnavailable: retrying later may succeed. Anything else
// -> kInternal. Callers map the constraint SQLSTATEs they expect (23505 unique_violation) to their
// own codes with PgError::sqlstate.
//
// Not thread-safe: a connection is used by one thread at a time (PgPool leases it).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"

// `auto var = expr;` or return its error (expr is a Result).
#define LEADGATE_PG_TRY(var, expr) \
  auto var = (expr);               \
  if (!var) return std::unexpected(std::move(var.error()))

namespace leadgate::storage::internal {

using core::Result;
using core::Status;

// The SQLSTATEs the store reacts to.
inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kForeignKeyViolation = "23503";
inline constexpr std::string_view kSerializationFailure = "40001";
inline constexpr std::string_view kDeadlockDetected = "40P01";

// Positional parameters ($1, $2, ...), all sent as text except bytea (binary). Text must not
// contain a NUL byte (PostgreSQL text cannot hold one); Bytes may hold anything.
class PgParams {
 public:
  PgParams& Text(std::string_view v);
  PgParams& OptText(const std::optional<std::string>& v);
  PgParams& Int(std::int64_t v);
  PgParams& OptInt(std::optional<std::int64_t> v);
  PgParams& Bool(bool v) { return Text(v ? "t" : "f"); }
  PgParams& Bytes(std::string_view v);
  PgParams& Null();

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers into this object: valid until it changes.
  std::vector<const char*> Values() const;
  const int* Lengths() const { return lengths_.data(); }
  const int* Formats() const { return formats_.data(); }
  // The first Text value that held a NUL byte, if any (reported as kInvalidArgument).
  bool has_nul() const { return has_nul_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  bool has_nul_ = false;
};

// True when any of `keys` holds a NUL byte. A lookup by such a key matches nothing (no stored
// text can hold one), so the store answers "not found" without asking the server, which would
// refuse the parameter.
inline bool AnyNul(std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    if (k.find('\0') != std::string_view::npos) return true;
  }
  return false;
}

// Builds a PostgreSQL array literal ({"a","b",NULL}) of text or integer elements, to pass a whole
// column of a batch as one parameter.
class PgArray {
 public:
  PgArray& Text(std::string_view v);
  PgArray& OptText(const std::optional<std::string>& v);
  PgArray& Int(std::int64_t v);
  PgArray& OptInt(std::optional<std::int64_t> v);
  // The literal; the builder is spent afterwards.
  std::string Finish();

 private:
  void Separator();
  std::string out_ = "{";
  bool nul_ = false;
};

// A query result: owns the PGresult.
class PgResult {
 public:
  explicit PgResult(PGresult* res) : res_(res, &PQclear) {}

  int rows() const { return PQntuples(res_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string Text(int row, int col) const;
  std::optional<std::string> OptText(int row, int col) const;
  std::int64_t Int(int row, int col) const;
  std::optional<std::int64_t> OptInt(int row, int col) const;
  bool Bool(int row, int col) const;
  // A bytea column (text-format result: "\x..." hex), decoded.
  std::string Bytes(int row, int col) const;
  // The number of rows an INSERT/UPDATE/DELETE affected.
  std::int64_t Affected() const;
  const PGresult* res() const { return res_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

// One libpq connection and the statements prepared on it.
class PgConnection {
 public:
  // Connects (blocking, bounded by connect_timeout in `conninfo_keywords`). kUnavailable when the
  // server cannot be reached or refuses (check the URL with PQconninfoParse first).
  static Result<std::unique_ptr<PgConnection>> Connect(
      const std::vector<std::pair<std::string, std::string>>& conninfo);

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` with `params`, preparing it on this connection on first use (the SQL text is the
  // cache key, so callers pass string constants). `what` names the step in error messages.
  // A statement error carries its SQLSTATE in Error::message as "[SQLSTATE xxxxx]"; use
  // LastSqlstate() to branch on it.
  Result<PgResult> Exec(std::string_view sql, const PgParams& params, std::string_view what);
  Result<PgResult> Exec(std::string_view sql, std::string_view what) {
    return Exec(sql, PgParams(), what);
  }
  // Runs one or more statements without parameters (simple query protocol; migrations, BEGIN).
  Status ExecScript(std::string_view sql, std::string_view what);

  // The SQLSTATE of the last failed Exec/ExecScript ("" for none or a lost connection).
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  // False once the connection is known to be broken (it is then discarded by the pool).
  bool Healthy();
  // True while a transaction is open (or failed and not yet rolled back).
  bool InTransaction() const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  core::Error ErrorFrom(const PGresult* res, std::string_view what);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
  std::string last_sqlstate_;
};

// True for errors worth retrying the whole transaction on a fresh snapshot: the server aborted it
// to resolve a deadlock or a serialization conflict (nothing was written).
bool IsRetryableConflict(std::string_view sqlstate);

}  // namespace leadgate::storage::internal

// File: postgres_connection.cpp
#include "storage/postgres_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadgate::storage::internal {

using core::ErrorCode;
using core::MakeError;

// ---- PgParams ----

PgParams& PgParams::Text(std::string_view v) {
  if (v.find('\0') != std::string_view::npos) has_nul_ = true;
  values_.emplace_back(std::string(v));
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::OptText(const std::optional<std::string>& v) { return v ? Text(*v) : Null(); }

PgParams& PgParams::Int(std::int64_t v) { return Text(std::to_string(v)); }

PgParams& PgParams::OptInt(std::optional<std::int64_t> v) { return v ? Int(*v) : Null(); }

PgParams& PgParams::Bytes(std::string_view v) {
  values_.emplace_back(std::string(v));
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::Null() {
  values_.emplace_back(std::nullopt);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

std::vector<const char*> PgParams::Values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// ---- PgArray ----

void PgArray::Separator() {
  if (out_.size() > 1) out_ += ',';
}

PgArray& PgArray::Text(std::string_view v) {
  Separator();
  out_ += '"';
  for (const char c : v) {
    if (c == '"' || c == '\\') out_ += '\\';
    out_ += c;
  }
  out_ += '"';
  return *this;
}

PgArray& PgArray::OptText(const std::optional<std::string>& v) {
  if (v) return Text(*v);
  Separator();
  out_ += "NULL";
  return *this;
}

PgArray& PgArray::Int(std::int64_t v) {
  Separator();
  out_ += std::to_string(v);
  return *this;
}

PgArray& PgArray::OptInt(std::optional<std::int64_t> v) {
  if (v) return Int(*v);
  Separator();
  out_ += "NULL";
  return *this;
}

std::string PgArray::Finish() {
  out_ += '}';
  return std::move(out_);
}

// ---- PgResult ----

std::string PgResult::Text(int row, int col) const {
  return std::string(PQgetvalue(res_.get(), row, col),
                     static_cast<std::size_t>(PQgetlength(res_.get(), row, col)));
}

std::optional<std::string> PgResult::OptText(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Text(row, col);
}

std::int64_t PgResult::Int(int row, int col) const {
  const char* s = PQgetvalue(res_.get(), row, col);
  std::int64_t v = 0;
  std::from_chars(s, s + PQgetlength(res_.get(), row, col), v);
  return v;
}

std::optional<std::int64_t> PgResult::OptInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

bool PgResult::Bool(int row, int col) const { return PQgetvalue(res_.get(), row, col)[0] == 't'; }

std::string PgResult::Bytes(int row, int col) const {
  std::size_t len = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(res_.get(), row, col)), &len);
  if (raw == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(raw), len);
  PQfreemem(raw);
  return out;
}

std::int64_t PgResult::Affected() const {
  const char* s = PQcmdTuples(res_.get());
  std::int64_t v = 0;
  std::from_chars(s, s + std::char_traits<char>::length(s), v);
  return v;
}

// ---- PgConnection ----

namespace {

bool IsUnavailableSqlstate(std::string_view s) {
  return s.starts_with("08") ||  // connection exception
         s.starts_with("53") ||  // insufficient resources (too many connections, disk full)
         s == "57P01" || s == "57P02" || s == "57P03" ||  // admin/crash shutdown, cannot connect
         s == "57014" ||                                  // query_canceled: statement_timeout
         s == "55P03" ||                                  // lock_not_available: lock_timeout
         IsRetryableConflict(s);
}

std::string Trimmed(const char* message) {
  std::string m = message == nullptr ? "" : message;
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

bool IsRetryableConflict(std::string_view sqlstate) {
  return sqlstate == kSerializationFailure || sqlstate == kDeadlockDetected;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::vector<std::pair<std::string, std::string>>& conninfo) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [k, v] : conninfo) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname: the "dbname" entry holds the URL; its settings override the entries before it.
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
  if (conn == nullptr) return MakeError(ErrorCode::kUnavailable, "postgres: out of memory");
  auto owned = std::unique_ptr<PgConnection>(new PgConnection(conn));
  if (PQstatus(conn) != CONNECTION_OK) {
    return MakeError(ErrorCode::kUnavailable,
                     "postgres: cannot connect: " + Trimmed(PQerrorMessage(conn)));
  }
  return owned;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Healthy() {
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  // Reads whatever the server sent meanwhile without blocking (libpq sockets are non-blocking): a
  // terminated backend or a restarted server has sent an error and closed the socket.
  if (PQconsumeInput(conn_) == 0) return false;
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  // An idle connection has nothing to read but notices; anything else means it is out of step.
  if (PQisBusy(conn_) != 0) return false;
  return true;
}

bool PgConnection::InTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

core::Error PgConnection::ErrorFrom(const PGresult* res, std::string_view what) {
  const char* state = res == nullptr ? nullptr : PQresultErrorField(res, PG_DIAG_SQLSTATE);
  last_sqlstate_ = state == nullptr ? "" : state;
  const std::string message = res != nullptr && PQresultErrorMessage(res)[0] != '\0'
                                  ? Trimmed(PQresultErrorMessage(res))
                                  : Trimmed(PQerrorMessage(conn_));
  // No SQLSTATE (the client noticed the socket closing) or a dead connection: the server is gone.
  const bool unavailable = PQstatus(conn_) != CONNECTION_OK || last_sqlstate_.empty() ||
                           IsUnavailableSqlstate(last_sqlstate_);
  return core::Error{unavailable ? ErrorCode::kUnavailable : ErrorCode::kInternal,
                     "postgres: " + std::string(what) + ": " + message +
                         (last_sqlstate_.empty() ? "" : " [SQLSTATE " + last_sqlstate_ + "]")};
}

Result<PgResult> PgConnection::Exec(std::string_view sql, const PgParams& params,
                                    std::string_view what) {
  last_sqlstate_.clear();
  if (params.has_nul()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "postgres: " + std::string(what) + ": text with a NUL byte cannot be stored");
  }
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "lg" + std::to_string(prepared_.size());
    PgResult prep(PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr));
    if (PQresultStatus(prep.res()) != PGRES_COMMAND_OK) {
      return std::unexpected(ErrorFrom(prep.res(), std::string(what) + " (prepare)"));
    }
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  const std::vector<const char*> values = params.Values();
  PgResult res(PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(),
                              params.Lengths(), params.Formats(), 0));
  const ExecStatusType status = PQresultStatus(res.res());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(ErrorFrom(res.res(), what));
  }
  return res;
}

Status PgConnection::ExecScript(std::string_view sql, std::string_view what) {
  last_sqlstate_.clear();
  PgResult res(PQexec(conn_, std::string(sql).c_str()));
  const ExecStatusType status = PQresultStatus(res.res());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(ErrorFrom(res.res(), what));
  }
  return {};
}

}  // namespace leadgate::storage::internal

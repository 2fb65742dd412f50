// File: postgres_pool.hpp
//
// A bounded pool of PgConnections (internal to src/storage/), made lazily and re-made after
// failure, so one PostgresLeadStore recovers by itself when the server comes back.
//
//   auto lease = pool.Acquire();            // kUnavailable: cannot connect / pool exhausted
//   if (!lease) return std::unexpected(lease.error());
//   auto res = (*lease)->Exec(...);
//   // ~Lease returns the connection; a broken one (or one left inside a transaction) is closed.
//
// At most `size` connections exist at once. Acquire takes an idle one (first dropping any the
// server has closed meanwhile: a non-blocking read notices a terminated backend or a restarted
// server without a round trip), else connects a new one while under the limit, else waits for a
// release up to `wait_timeout`. Connecting happens outside the pool's lock, so one slow connect
// does not hold up callers that find an idle connection. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "storage/postgres_connection.hpp"

namespace leadgate::storage::internal {

class PgPool {
 public:
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn, bool fresh)
        : pool_(pool), conn_(std::move(conn)), fresh_(fresh) {}
    ~Lease() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    PgConnection* operator->() const { return conn_.get(); }
    PgConnection& operator*() const { return *conn_; }
    // True when the connection was made for this lease (not reused from the idle list).
    bool fresh() const { return fresh_; }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
    bool fresh_;
  };

  PgPool(std::vector<std::pair<std::string, std::string>> conninfo, int size,
         std::chrono::milliseconds wait_timeout)
      : conninfo_(std::move(conninfo)), size_(size), wait_timeout_(wait_timeout) {}

  core::Result<Lease> Acquire();

  // Closes every idle connection (e.g. before a test terminates backends). Leased ones are
  // unaffected.
  void DropIdle();

 private:
  void Release(std::unique_ptr<PgConnection> conn);

  const std::vector<std::pair<std::string, std::string>> conninfo_;
  const int size_;
  const std::chrono::milliseconds wait_timeout_;

  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                     // idle + leased + connecting; guarded by mu_
};

}  // namespace leadgate::storage::internal

// File: postgres_pool.cpp
#include "storage/postgres_pool.hpp"

#include <memory>
#include <mutex>
#include <utility>

namespace leadgate::storage::internal {

using core::ErrorCode;
using core::MakeError;

core::Result<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock lock(mu_);
  while (true) {
    while (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->Healthy()) return Lease(this, std::move(conn), false);
      --open_;  // closed by the server meanwhile: drop it (outside nothing else holds it)
    }
    if (open_ < size_) break;
    if (!freed_.wait_for(lock, wait_timeout_, [this] { return !idle_.empty() || open_ < size_; })) {
      return MakeError(ErrorCode::kUnavailable, "postgres: all " + std::to_string(size_) +
                                                    " pool connections stayed busy for " +
                                                    std::to_string(wait_timeout_.count()) + " ms");
    }
  }
  ++open_;
  lock.unlock();
  auto conn = PgConnection::Connect(conninfo_);
  if (!conn) {
    {
      std::lock_guard relock(mu_);
      --open_;
    }
    freed_.notify_one();
    return std::unexpected(conn.error());
  }
  return Lease(this, std::move(*conn), true);
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  // A connection still inside a transaction was abandoned mid-way by an error path that could
  // not roll back: closing it makes the server roll back, and nobody inherits the transaction.
  const bool keep = !conn->InTransaction() && conn->Healthy();
  if (!keep) conn.reset();  // PQfinish outside the lock would be nicer; it is rare and quick
  {
    std::lock_guard lock(mu_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  freed_.notify_one();
}

void PgPool::DropIdle() {
  std::vector<std::unique_ptr<PgConnection>> drop;
  {
    std::lock_guard lock(mu_);
    drop.swap(idle_);
    open_ -= static_cast<int>(drop.size());
  }
  freed_.notify_all();
}

}  // namespace leadgate::storage::internal

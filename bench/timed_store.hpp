// File: timed_store.hpp
//
// A core::LeadStore decorator for the benchmarks: forwards every call to the real store and
// measures Ingest, the write path. It derives from the tests' ForwardingLeadStore, which the
// owners of the LeadStore interface keep in step with it, so only Ingest is written out here.
//
// Ingest calls are serialised on a mutex of their own before they reach the inner store;
// SqliteLeadStore serialises them anyway on its single writer connection, so this changes no
// behaviour, but it splits the time of a call cleanly into
//   wait  - queued behind another thread's batch (the writer is busy), and
//   store - inside SqliteLeadStore::Ingest, which then never waits for its own writer lock.
// Besides wall time, the thread CPU time spent inside the store is recorded: on a machine shared
// with other work, wall time includes preemption, while CPU time is (nearly) the store's own
// cost; wall - CPU inside the store is I/O wait (fsync) plus preemption.
//
// Given the database's path, it also tells which calls ran a WAL checkpoint: in WAL mode the main
// database file is written only by checkpoints, so a call during which the file's mtime changed
// checkpointed (SQLite's automatic checkpoint runs inside the COMMIT that crosses
// wal_autocheckpoint).
//
//   TimedStore timed(**store);
//   IngestService service(timed, ...);
//   ... service.Ingest(request) ...
//   TimedStore::LastCall()  -> this thread's most recent Ingest (per-batch timings)
//   timed.totals()          -> sums over all threads
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

#include "core/lead_store.hpp"
#include "support/forwarding_lead_store.hpp"  // tests/support: kept in step with LeadStore

namespace leadgate::bench {

class TimedStore final : public testing::ForwardingLeadStore {
 public:
  struct CallTimes {
    std::int64_t wait_ns = 0;
    std::int64_t store_ns = 0;
    std::int64_t store_cpu_ns = 0;
    bool checkpointed = false;
  };
  struct Totals {
    std::int64_t calls = 0;
    std::int64_t leads = 0;
    std::int64_t wait_ns = 0;
    std::int64_t store_ns = 0;
    std::int64_t store_cpu_ns = 0;
  };

  // CPU time of the calling thread.
  static std::int64_t ThreadCpuNs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }

  // `db_path` (optional): the SQLite file, to detect checkpoints.
  explicit TimedStore(core::LeadStore& inner, std::string db_path = "")
      : ForwardingLeadStore(inner), inner_(inner), db_path_(std::move(db_path)) {}

  static CallTimes& LastCall() {
    thread_local CallTimes last;
    return last;
  }

  Totals totals() const {
    return {calls_.load(), leads_.load(), wait_ns_.load(), store_ns_.load(), store_cpu_ns_.load()};
  }

  core::Result<core::IngestBatchResult> Ingest(const core::IngestBatch& batch) override {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    std::lock_guard lock(mu_);
    const std::int64_t m1 = DbMtimeNs();
    const auto t1 = Clock::now();
    const std::int64_t c1 = ThreadCpuNs();
    auto result = inner_.Ingest(batch);
    const std::int64_t c2 = ThreadCpuNs();
    const auto t2 = Clock::now();
    const std::int64_t m2 = DbMtimeNs();
    CallTimes& last = LastCall();
    last.wait_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    last.store_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t1).count();
    last.store_cpu_ns = c2 - c1;
    last.checkpointed = m1 != m2;
    calls_ += 1;
    leads_ += static_cast<std::int64_t>(batch.new_leads.size());
    wait_ns_ += last.wait_ns;
    store_ns_ += last.store_ns;
    store_cpu_ns_ += last.store_cpu_ns;
    return result;
  }

 private:
  std::int64_t DbMtimeNs() const {
    struct stat st {};
    if (db_path_.empty() || ::stat(db_path_.c_str(), &st) != 0) return 0;
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }

  core::LeadStore& inner_;
  const std::string db_path_;
  std::mutex mu_;
  std::atomic<std::int64_t> calls_{0};
  std::atomic<std::int64_t> leads_{0};
  std::atomic<std::int64_t> wait_ns_{0};
  std::atomic<std::int64_t> store_ns_{0};
  std::atomic<std::int64_t> store_cpu_ns_{0};
};

}  // namespace leadgate::bench

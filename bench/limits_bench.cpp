// Per-request cost of the protections on every lead route: the rate-limit decision, the
// duplicate-guard read, and an Idempotency-Key claim + completion, in ns.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/clock.hpp"
#include "http/idempotency_gate.hpp"
#include "http/json_error.hpp"
#include "limits/duplicate_guard.hpp"
#include "limits/gcra.hpp"
#include "limits/local_rate_limiter.hpp"
#include "storage/memory_lead_store.hpp"
#include "storage/sqlite_lead_store.hpp"

namespace leadgate {
namespace {

void BM_GcraArithmetic(benchmark::State& state) {
  const limits::RateLimit limit{100, std::chrono::milliseconds(5000)};
  std::optional<limits::Micros> tat;
  std::int64_t now = 0;
  for (auto _ : state) {
    auto step = limits::Gcra(tat, limits::Micros(now += 60'000), limit);
    tat = step.new_tat;
    benchmark::DoNotOptimize(step);
  }
}
BENCHMARK(BM_GcraArithmetic);

void BM_LocalRateLimiterAllow(benchmark::State& state) {
  core::SystemClock clock;
  limits::LocalRateLimiter limiter(clock);
  const limits::RateLimit limit{1'000'000'000, std::chrono::milliseconds(1000)};
  const std::string project = "6b0c13c00102030405000001";
  for (auto _ : state) benchmark::DoNotOptimize(limiter.Allow(project, limit));
}
BENCHMARK(BM_LocalRateLimiterAllow)->Threads(1)->Threads(2);

// A fresh SQLite store on a temp file with one project and key.
struct SqliteFixture {
  std::filesystem::path dir;
  std::unique_ptr<storage::SqliteLeadStore> store;
  SqliteFixture() {
    dir = std::filesystem::temp_directory_path() /
          ("leadgate-limits-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    store = std::move(*storage::SqliteLeadStore::Open({.path = (dir / "b.db").string()}));
    const auto now = core::SystemClock().Now();
    (void)store->CreateProject({"6b0c13c00102030405000001", "p", "US", true, now, std::nullopt});
    (void)store->CreateApiKey(
        {"6b0c13c00102030405000002", "6b0c13c00102030405000001", std::string(64, 'a'), false, now});
  }
  ~SqliteFixture() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

void BM_DuplicateGuardStateSqlite(benchmark::State& state) {
  SqliteFixture f;
  core::SystemClock clock;
  limits::DuplicateGuard guard(*f.store, clock, limits::GuardPolicy{});
  for (auto _ : state) benchmark::DoNotOptimize(guard.State("6b0c13c00102030405000002"));
}
BENCHMARK(BM_DuplicateGuardStateSqlite);

// The lookup a request without a stored response pays: Begin (claims) + Finish (stores).
template <class Store>
void IdempotencyRoundTrip(benchmark::State& state, Store& store) {
  core::SystemClock clock;
  http::IdempotencyGate gate(store, clock, http::IdempotencyOptions{});
  http::Request req{boost::beast::http::verb::post, "/api/v1/leads/bulk/initiate", 11};
  req.body() = std::string(2000, 'x');
  const http::Response res =
      http::MakeJsonResponse(11, true, boost::beast::http::status::ok, std::string(2000, 'y'));
  std::int64_t i = 0;
  for (auto _ : state) {
    req.set("Idempotency-Key", "key-" + std::to_string(i++));
    auto claim = gate.Begin(req, "6b0c13c00102030405000001");
    gate.Finish(claim, res);
  }
}

void BM_IdempotencyClaimAndStoreMemory(benchmark::State& state) {
  storage::MemoryLeadStore store;
  IdempotencyRoundTrip(state, store);
}
BENCHMARK(BM_IdempotencyClaimAndStoreMemory);

void BM_IdempotencyClaimAndStoreSqlite(benchmark::State& state) {
  SqliteFixture f;
  IdempotencyRoundTrip(state, *f.store);
}
BENCHMARK(BM_IdempotencyClaimAndStoreSqlite)->Iterations(2000);

void BM_IdempotencyReplaySqlite(benchmark::State& state) {
  SqliteFixture f;
  core::SystemClock clock;
  http::IdempotencyGate gate(*f.store, clock, http::IdempotencyOptions{});
  http::Request req{boost::beast::http::verb::post, "/api/v1/leads/bulk/initiate", 11};
  req.body() = std::string(2000, 'x');
  req.set("Idempotency-Key", "replayed");
  auto first = gate.Begin(req, "6b0c13c00102030405000001");
  gate.Finish(first, http::MakeJsonResponse(11, true, boost::beast::http::status::ok, "{}"));
  for (auto _ : state) benchmark::DoNotOptimize(gate.Begin(req, "6b0c13c00102030405000001"));
}
BENCHMARK(BM_IdempotencyReplaySqlite)->Iterations(2000);

}  // namespace
}  // namespace leadgate

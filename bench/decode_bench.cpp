// DecodeBulkInitiate of a 1000-lead body (the generator's batch 0: ~380 KB).
#include <benchmark/benchmark.h>

#include <thread>
#include <vector>

#include "api/request_json.hpp"
#include "lead_generator.hpp"

namespace leadgate::bench {
namespace {

constexpr std::size_t kLeads = 1000;

void BM_DecodeBulkInitiate(benchmark::State& state) {
  const LeadGenerator gen("65f000000000000000000001", "65f000000000000000000002");
  const std::string body = gen.BulkBody(0, kLeads);
  for (auto _ : state) {
    auto decoded = api::DecodeBulkInitiate(body);
    if (!decoded || decoded->leads.items.size() != kLeads) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLeads));
  state.counters["per_lead"] = benchmark::Counter(
      kLeads, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DecodeBulkInitiate)->Unit(benchmark::kMicrosecond);

// DecodeBulkInitiate on N threads at once (lock-free: parsers are per thread): how much two
// threads gain on this machine's cores for work that shares nothing. Compare with
// BM_ValidateLeadParallel.
void BM_DecodeBulkInitiateParallel(benchmark::State& state) {
  const LeadGenerator gen("65f000000000000000000001", "65f000000000000000000002");
  const std::string body = gen.BulkBody(0, kLeads);
  const auto threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (int i = 0; i < 10; ++i) benchmark::DoNotOptimize(api::DecodeBulkInitiate(body));
      });
    }
    for (auto& thread : pool) thread.join();
  }
  const auto total = static_cast<double>(threads * 10 * kLeads);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(total));
  state.counters["per_lead"] = benchmark::Counter(
      total, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DecodeBulkInitiateParallel)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// What InitiateHandler::Bulk does after decoding: a copy of the 1000 decoded leads, kept for the
// response encoder while the originals move into the service.
void BM_CopyDecodedLeads(benchmark::State& state) {
  const LeadGenerator gen("65f000000000000000000001", "65f000000000000000000002");
  auto decoded = api::DecodeBulkInitiate(gen.BulkBody(0, kLeads));
  if (!decoded) {
    state.SkipWithError("decode failed");
    return;
  }
  for (auto _ : state) {
    std::vector<core::LeadInput> copy = decoded->leads.items;
    benchmark::DoNotOptimize(copy);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLeads));
  state.counters["per_lead"] = benchmark::Counter(
      kLeads, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_CopyDecodedLeads)->Unit(benchmark::kMicrosecond);

// Building the body itself (what the load generator spends per request).
void BM_GenerateBody(benchmark::State& state) {
  const LeadGenerator gen("65f000000000000000000001", "65f000000000000000000002");
  std::uint64_t batch = 0;
  for (auto _ : state) {
    std::string body = gen.BulkBody(batch++, kLeads);
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLeads));
}
BENCHMARK(BM_GenerateBody)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace leadgate::bench

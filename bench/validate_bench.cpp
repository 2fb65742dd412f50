// ValidateLead per lead over the generator's mix, and its libphonenumber part on its own.
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>
#include <thread>

#include "api/request_json.hpp"
#include "core/lead_validator.hpp"
#include "core/phone.hpp"
#include "lead_generator.hpp"

namespace leadgate::bench {
namespace {

constexpr std::size_t kLeads = 1000;

std::vector<core::LeadInput> DecodedLeads() {
  const LeadGenerator gen("65f000000000000000000001", "65f000000000000000000002");
  auto decoded = api::DecodeBulkInitiate(gen.BulkBody(0, kLeads));
  if (!decoded) return {};
  return std::move(decoded->leads.items);
}

void BM_ValidateLead(benchmark::State& state) {
  const core::PhoneNumbers phones;
  const std::vector<core::LeadInput> leads = DecodedLeads();
  if (leads.size() != kLeads) {
    state.SkipWithError("decode failed");
    return;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    auto result = core::ValidateLead(leads[i], phones, "US");
    if (const auto* error = std::get_if<core::LeadError>(&result)) {
      state.SkipWithError(("lead " + std::to_string(i) + " rejected: " + error->message).c_str());
      break;
    }
    benchmark::DoNotOptimize(result);
    i = i + 1 == leads.size() ? 0 : i + 1;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ValidateLead);

void BM_PhoneCheck(benchmark::State& state) {
  const core::PhoneNumbers phones;
  const LeadGenerator gen("p", "q");
  std::vector<std::string> raw;
  for (std::uint64_t i = 0; i < kLeads; ++i) raw.push_back(gen.Phone(i).as_sent);
  std::size_t i = 0;
  for (auto _ : state) {
    auto check = phones.Check(raw[i], "US");
    benchmark::DoNotOptimize(check);
    i = i + 1 == raw.size() ? 0 : i + 1;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PhoneCheck);

// PhoneNumbers::Check for one region's numbers only (the generator's formats for it).
void BM_PhoneCheckByRegion(benchmark::State& state) {
  static constexpr std::array<std::string_view, 6> kRegions = {"US", "GB", "IN", "DE", "FR", "AU"};
  const std::string_view region = kRegions[static_cast<std::size_t>(state.range(0))];
  const core::PhoneNumbers phones;
  const LeadGenerator gen("p", "q");
  std::vector<std::string> raw;
  for (std::uint64_t i = 0; raw.size() < 500; ++i) {
    auto phone = gen.Phone(i);
    if (phone.region == region) raw.push_back(phone.as_sent);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    auto check = phones.Check(raw[i], "US");
    benchmark::DoNotOptimize(check);
    i = i + 1 == raw.size() ? 0 : i + 1;
  }
  state.SetLabel(std::string(region));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PhoneCheckByRegion)->DenseRange(0, 5);

// Aggregate throughput of ValidateLead on N threads at once (each validates the 1000 leads):
// wall time per lead over all threads. With perfect scaling the per-lead time halves at 2
// threads; libphonenumber's locks (its regexp cache) and a busy machine keep it from doing so.
void BM_ValidateLeadParallel(benchmark::State& state) {
  const core::PhoneNumbers phones;
  const std::vector<core::LeadInput> leads = DecodedLeads();
  const auto threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (const auto& lead : leads)
          benchmark::DoNotOptimize(core::ValidateLead(lead, phones, "US"));
      });
    }
    for (auto& thread : pool) thread.join();
  }
  const auto total = static_cast<double>(threads * leads.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(total));
  state.counters["per_lead"] = benchmark::Counter(
      total, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ValidateLeadParallel)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace leadgate::bench

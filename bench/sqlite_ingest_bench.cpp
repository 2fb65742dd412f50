// One 1000-lead SqliteLeadStore::Ingest (validated, unique leads; one transaction and commit) on
// a fresh file under $TMPDIR, with synchronous=FULL (the default) and NORMAL. The table grows by
// 1000 leads per iteration, so this is the cost on a small database; `scripts/bench --grow`
// measures it up to 1M stored leads.
#include <benchmark/benchmark.h>

#include "api/request_json.hpp"
#include "bench_env.hpp"
#include "core/clock.hpp"
#include "core/lead_validator.hpp"
#include "core/object_id.hpp"
#include "core/phone.hpp"
#include "lead_generator.hpp"

namespace leadgate::bench {
namespace {

constexpr std::size_t kLeads = 1000;

void BM_SqliteIngest1000(benchmark::State& state) {
  const bool full = state.range(0) == 0;
  const std::string dir = MakeTempDir("leadgate-ingest-bench");
  {
    auto db = CreateBenchDb(dir + "/bench.db", full ? "full" : "normal");
    if (!db) {
      state.SkipWithError(db.error().ToString().c_str());
      RemoveTree(dir);
      return;
    }
    const LeadGenerator gen(db->project.id, db->process.id);
    const core::PhoneNumbers phones;
    core::ObjectIdGenerator ids;
    const core::SystemClock clock;
    std::uint64_t batch = 0;
    for (auto _ : state) {
      state.PauseTiming();
      core::IngestBatch ingest;
      ingest.project_id = db->project.id;
      ingest.now = clock.Now();
      auto decoded = api::DecodeBulkInitiate(gen.BulkBody(batch++, kLeads));
      for (const auto& input : decoded->leads.items) {
        auto validated = core::ValidateLead(input, phones, "US");
        auto& lead = std::get<core::Lead>(validated);
        lead.id = ids.Next(ingest.now);
        lead.project_id = db->project.id;
        lead.state = core::LeadState::kInitialized;
        lead.next_attempt_at = ingest.now;
        lead.created_at = ingest.now;
        lead.updated_at = ingest.now;
        ingest.new_leads.push_back(std::move(lead));
      }
      state.ResumeTiming();
      auto result = db->store->Ingest(ingest);
      if (!result) state.SkipWithError(result.error().ToString().c_str());
      benchmark::DoNotOptimize(result);
    }
  }
  RemoveTree(dir);
  state.SetLabel(full ? "synchronous=FULL" : "synchronous=NORMAL");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLeads));
  state.counters["per_lead"] = benchmark::Counter(
      kLeads, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SqliteIngest1000)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace leadgate::bench

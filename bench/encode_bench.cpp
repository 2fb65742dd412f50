// EncodeBulkReport of a 1000-lead all-success report: the response the server writes per
// request, in the default format (full lead objects) and with ?v=1.2.
#include <benchmark/benchmark.h>

#include "api/request_json.hpp"
#include "api/response_json.hpp"
#include "core/clock.hpp"
#include "core/lead_validator.hpp"
#include "core/object_id.hpp"
#include "core/phone.hpp"
#include "lead_generator.hpp"

namespace leadgate::bench {
namespace {

constexpr std::size_t kLeads = 1000;

void BM_EncodeBulkReport(benchmark::State& state) {
  const LeadGenerator gen("65f000000000000000000001", "65f000000000000000000002");
  auto decoded = api::DecodeBulkInitiate(gen.BulkBody(0, kLeads));
  if (!decoded) {
    state.SkipWithError("decode failed");
    return;
  }
  const core::PhoneNumbers phones;
  core::ObjectIdGenerator ids;
  const core::TimePoint now = core::SystemClock().Now();
  core::IngestReport report;
  for (const auto& input : decoded->leads.items) {
    auto validated = core::ValidateLead(input, phones, "US");
    if (auto* lead = std::get_if<core::Lead>(&validated)) {
      lead->id = ids.Next(now);
      lead->project_id = "65f000000000000000000001";
      lead->state = core::LeadState::kInitialized;
      lead->next_attempt_at = now;
      lead->created_at = now;
      lead->updated_at = now;
    }
    report.leads.push_back(std::move(validated));
  }
  const auto format = state.range(0) == 0 ? api::BulkFormat::kDefault : api::BulkFormat::kV12;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = api::EncodeBulkReport(report, decoded->leads.items, {}, format);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetLabel(std::string(format == api::BulkFormat::kDefault ? "default" : "v1.2") + ", " +
                 std::to_string(bytes / 1024) + " KiB");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLeads));
  state.counters["per_lead"] = benchmark::Counter(
      kLeads, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_EncodeBulkReport)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace leadgate::bench

#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>

namespace leadgate::core {
namespace {

TEST(MetricsRegistryTest, RendersCountersAndGaugesGroupedByNameInPrometheusText) {
  MetricsRegistry metrics;
  Counter& ok = metrics.AddCounter("leadgate_http_responses_total", "Responses", "code=\"200\"");
  std::atomic<std::uint64_t> fail_open{7};
  metrics.AddCounterFn("leadgate_fail_open_total", "Fail-opens", [&] { return fail_open.load(); });
  Counter& unavailable =
      metrics.AddCounter("leadgate_http_responses_total", "Responses", "code=\"503\"");
  metrics.AddGaugeFn("leadgate_redis_up", "Redis reachable", [] { return std::int64_t{0}; });
  ok.Inc();
  ok.Inc(2);
  unavailable.Inc();
  fail_open = 9;
  EXPECT_EQ(metrics.Render(),
            "# HELP leadgate_http_responses_total Responses\n"
            "# TYPE leadgate_http_responses_total counter\n"
            "leadgate_http_responses_total{code=\"200\"} 3\n"
            "leadgate_http_responses_total{code=\"503\"} 1\n"
            "# HELP leadgate_fail_open_total Fail-opens\n"
            "# TYPE leadgate_fail_open_total counter\n"
            "leadgate_fail_open_total 9\n"
            "# HELP leadgate_redis_up Redis reachable\n"
            "# TYPE leadgate_redis_up gauge\n"
            "leadgate_redis_up 0\n");
}

TEST(MetricsRegistryTest, AnEmptyRegistryRendersNothing) {
  EXPECT_EQ(MetricsRegistry().Render(), "");
}

}  // namespace
}  // namespace leadgate::core

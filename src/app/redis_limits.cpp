#include "app/redis_limits.hpp"

namespace leadgate::app {

core::Result<std::unique_ptr<RedisLimits>> RedisLimits::Open(const RedisConfig& config,
                                                             core::LeadStore& store,
                                                             const core::Clock& clock) {
  auto client = limits::RedisClient::Create(
      {.url = config.url, .key_prefix = config.prefix, .timeout = config.timeout});
  if (!client) return std::unexpected(client.error());
  return std::unique_ptr<RedisLimits>(new RedisLimits(std::move(*client), store, clock));
}

RedisLimits::RedisLimits(std::unique_ptr<limits::RedisClient> client, core::LeadStore& store,
                         const core::Clock& clock)
    : client_(std::move(client)),
      rate_(*client_),
      rate_open_(rate_, clock),
      guard_(*client_, limits::KeyExistsIn(store)),
      guard_open_(guard_, clock),
      idempotency_(*client_, store) {}

void RedisLimits::RegisterMetrics(core::MetricsRegistry& metrics) {
  metrics.AddCounterFn("leadgate_rate_limit_fail_open_total",
                       "Requests let through unlimited because Redis did not answer",
                       [this] { return rate_open_.fail_opens(); });
  metrics.AddCounterFn("leadgate_key_guard_fail_open_total",
                       "Strikes lost or block checks skipped because Redis did not answer",
                       [this] { return guard_open_.fail_opens(); });
  metrics.AddCounterFn("leadgate_idempotency_redis_fallback_total",
                       "Idempotency claims made by the database alone because Redis did not answer",
                       [this] { return idempotency_.fallbacks(); });
  metrics.AddGaugeFn("leadgate_redis_up", "1 when Redis answered a PING at scrape time, else 0",
                     [this] { return client_->Ping() ? std::int64_t{1} : std::int64_t{0}; });
}

}  // namespace leadgate::app

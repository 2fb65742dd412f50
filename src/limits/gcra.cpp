#include "limits/gcra.hpp"

#include <algorithm>

namespace leadgate::limits {

GcraStep Gcra(std::optional<Micros> tat, Micros now, const RateLimit& limit) {
  // Emission interval and the burst tolerance that lets `requests` arrive at once.
  // At least 1 us: a limit finer than a million requests per second is that many, not a
  // division by zero.
  const Micros interval =
      std::max(Micros(1), std::chrono::duration_cast<Micros>(limit.period) / limit.requests);
  const Micros tolerance = interval * (limit.requests - 1);
  const Micros start = std::max(tat.value_or(now), now);

  GcraStep step;
  step.decision.limit = limit.requests;
  if (start - now > tolerance) {
    step.decision.allowed = false;
    step.decision.remaining = 0;
    step.decision.retry_after = start - now - tolerance;
    step.decision.reset = start - now;
    step.new_tat = tat.value_or(now);
    return step;
  }
  step.new_tat = start + interval;
  step.decision.allowed = true;
  // Requests that still fit before the tolerance is used up.
  step.decision.remaining = (tolerance - (step.new_tat - now - interval)) / interval;
  step.decision.reset = step.new_tat - now;
  return step;
}

std::int64_t CeilSeconds(Micros d) {
  if (d <= Micros::zero()) return 0;
  return (d.count() + 999'999) / 1'000'000;
}

}  // namespace leadgate::limits

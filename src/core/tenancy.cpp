#include "core/tenancy.hpp"

namespace leadgate::core {

Status ValidateRateLimit(const std::optional<ProjectRateLimit>& limit) {
  if (limit && (limit->requests < 1 || limit->period_ms < 1)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "rate limit must have requests >= 1 and period_ms >= 1, got " +
                         std::to_string(limit->requests) + " per " +
                         std::to_string(limit->period_ms) + " ms");
  }
  return {};
}

}  // namespace leadgate::core

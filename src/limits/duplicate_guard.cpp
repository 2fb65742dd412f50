#include "limits/duplicate_guard.hpp"

namespace leadgate::limits {

bool IsStrike(std::size_t items, std::size_t duplicates) {
  return duplicates > 0 && duplicates * 2 >= items;
}

core::Result<core::KeyGuardState> DuplicateGuard::State(const std::string& key_id) const {
  return store_.GetKeyGuard(key_id, clock_.Now(), policy_.window);
}

core::Result<core::KeyGuardState> DuplicateGuard::Strike(const std::string& key_id) const {
  return store_.RecordStrike(key_id, clock_.Now(), policy_.window, policy_.max_strikes,
                             policy_.block_for);
}

core::Status DuplicateGuard::Unblock(const std::string& key_id) const {
  return store_.UnblockKey(key_id);
}

std::chrono::milliseconds DuplicateGuard::BlockLeft(const core::KeyGuardState& state) const {
  if (!state.blocked_until) return std::chrono::milliseconds::zero();
  const auto left = *state.blocked_until - clock_.Now();
  return left > std::chrono::milliseconds::zero() ? left : std::chrono::milliseconds::zero();
}

}  // namespace leadgate::limits

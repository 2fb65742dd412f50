#include "limits/fail_open_key_guard.hpp"

namespace leadgate::limits {

core::Result<core::KeyGuardState> FailOpenKeyGuard::Open(const core::Error& error,
                                                         std::string_view what) {
  if (error.code != core::ErrorCode::kUnavailable) return std::unexpected(error);
  fail_opens_.fetch_add(1, std::memory_order_relaxed);
  warning_.Note(what, error.ToString());
  return core::KeyGuardState{};
}

core::Result<core::KeyGuardState> FailOpenKeyGuard::RecordStrike(
    const std::string& key_id, core::TimePoint now, std::chrono::milliseconds window,
    int max_strikes, std::chrono::milliseconds block_for) {
  auto state = inner_.RecordStrike(key_id, now, window, max_strikes, block_for);
  if (state) return state;
  return Open(state.error(), "key guard unavailable, duplicate strikes are not counted");
}

core::Result<core::KeyGuardState> FailOpenKeyGuard::GetKeyGuard(const std::string& key_id,
                                                                core::TimePoint now,
                                                                std::chrono::milliseconds window) {
  auto state = inner_.GetKeyGuard(key_id, now, window);
  if (state) return state;
  return Open(state.error(), "key guard unavailable, key blocks are not enforced");
}

}  // namespace leadgate::limits

// File: fail_open_key_guard.hpp
//
// The duplicate-abuse half of the fail policy (see fail_open_rate_limiter.hpp for the table):
// when the key guard's backend (Redis) is unavailable, a strike is lost and the block check
// says "not blocked"; both are counted and warned about at most once per `warn_every`.
// UnblockKey is an operator's command and reports its failure as is. kNotFound and every other
// error are passed on unchanged.
//
//   FailOpenKeyGuard guard_store(redis_key_guard, clock);
//   DuplicateGuard guard(guard_store, clock, policy);
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"
#include "core/key_guard_store.hpp"
#include "limits/throttled_warning.hpp"

namespace leadgate::limits {

class FailOpenKeyGuard final : public core::KeyGuardStore {
 public:
  // `inner` and `clock` (used only to throttle the warning) must outlive this object.
  FailOpenKeyGuard(core::KeyGuardStore& inner, const core::Clock& clock,
                   std::chrono::milliseconds warn_every = std::chrono::seconds(60),
                   WarningSink sink = WriteWarningToStderr)
      : inner_(inner), warning_(clock, warn_every, std::move(sink)) {}

  // On kUnavailable: no strikes, no block (the strike is lost).
  core::Result<core::KeyGuardState> RecordStrike(const std::string& key_id, core::TimePoint now,
                                                 std::chrono::milliseconds window, int max_strikes,
                                                 std::chrono::milliseconds block_for) override;
  // On kUnavailable: no strikes, no block.
  core::Result<core::KeyGuardState> GetKeyGuard(const std::string& key_id, core::TimePoint now,
                                                std::chrono::milliseconds window) override;
  // Never fails open.
  core::Status UnblockKey(const std::string& key_id) override { return inner_.UnblockKey(key_id); }

  // Strikes lost and block checks passed because the inner store was unavailable.
  std::uint64_t fail_opens() const { return fail_opens_.load(std::memory_order_relaxed); }

 private:
  core::Result<core::KeyGuardState> Open(const core::Error& error, std::string_view what);

  core::KeyGuardStore& inner_;
  ThrottledWarning warning_;
  std::atomic<std::uint64_t> fail_opens_{0};
};

}  // namespace leadgate::limits

// File: duplicate_guard.hpp
//
// Duplicate-abuse blocking per API key (docs/api.md): a request in which at least half of the
// leads are rejected as duplicates is one strike; more than `max_strikes` strikes within `window`
// block the key for `block_for`. Dry runs and idempotent replays never strike (the caller decides
// what it reports). The state lives in a KeyGuardStore, shared by every instance and visible to
// `leadgate key status`.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/key_guard_store.hpp"

namespace leadgate::limits {

struct GuardPolicy {
  int max_strikes = 5;                       // a block starts at strike max_strikes + 1
  std::chrono::milliseconds window{60'000};  // strikes older than this are forgotten
  std::chrono::milliseconds block_for{3'600'000};

  bool operator==(const GuardPolicy&) const = default;
};

// True when a request with `items` leads (+ leadIds), `duplicates` of them rejected for a
// duplicate reason, counts as a strike: at least half, and at least one.
bool IsStrike(std::size_t items, std::size_t duplicates);

class DuplicateGuard {
 public:
  // References must outlive the guard.
  DuplicateGuard(core::KeyGuardStore& store, const core::Clock& clock, GuardPolicy policy)
      : store_(store), clock_(clock), policy_(policy) {}

  // The key's state now. Thread-safe; errors are the store's.
  core::Result<core::KeyGuardState> State(const std::string& key_id) const;
  // Records a strike; returns the state after it (blocked_until set if this strike blocked).
  core::Result<core::KeyGuardState> Strike(const std::string& key_id) const;
  core::Status Unblock(const std::string& key_id) const;

  // Time left of a block in force at `state`, as seen now (zero when not blocked).
  std::chrono::milliseconds BlockLeft(const core::KeyGuardState& state) const;

  const GuardPolicy& policy() const { return policy_; }

 private:
  core::KeyGuardStore& store_;
  const core::Clock& clock_;
  GuardPolicy policy_;
};

}  // namespace leadgate::limits

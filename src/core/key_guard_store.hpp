// File: key_guard_store.hpp
//
// Duplicate-abuse state per API key (docs/api.md "Rate limiting and abuse protection"): recent
// duplicate submissions ("strikes") and the time a block ends. Kept in the store so that the
// command line (`leadgate key status|unblock`) and every server instance see the same state.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace leadgate::core {

struct KeyGuardState {
  int strikes = 0;                         // strikes within the window ending now
  std::optional<TimePoint> blocked_until;  // set only while a block is in force (> now)

  bool operator==(const KeyGuardState&) const = default;
};

class KeyGuardStore {
 public:
  virtual ~KeyGuardStore() = default;

  // Records one strike for key_id at `now` and forgets strikes at or before now - window. If
  // more than `max_strikes` strikes then remain in the window and no block is in force, blocks
  // the key until now + block_for. Atomic: concurrent strikes are all counted. Returns the state
  // after the strike. kNotFound for an unknown key.
  virtual Result<KeyGuardState> RecordStrike(const std::string& key_id, TimePoint now,
                                             std::chrono::milliseconds window, int max_strikes,
                                             std::chrono::milliseconds block_for) = 0;

  // The state at `now` (strikes within the window; blocked_until only if still in the future).
  // kNotFound for an unknown key.
  virtual Result<KeyGuardState> GetKeyGuard(const std::string& key_id, TimePoint now,
                                            std::chrono::milliseconds window) = 0;

  // Lifts a block and forgets the key's strikes. kNotFound for an unknown key.
  virtual Status UnblockKey(const std::string& key_id) = 0;
};

}  // namespace leadgate::core

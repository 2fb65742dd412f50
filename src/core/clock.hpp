// File: clock.hpp
//
// Time is a dependency: services take a Clock& so tests can use a FakeClock and never sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadgate::core {

// Milliseconds since the Unix epoch, UTC: the resolution of every stored timestamp.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Thread-safe.
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : ms_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(ms_.load())); }
  void Advance(std::chrono::milliseconds d) { ms_ += d.count(); }
  void Set(TimePoint t) { ms_ = t.time_since_epoch().count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

// "2026-11-29T12:00:00.000Z": ISO 8601, UTC, milliseconds (the lead object's format).
std::string FormatIso8601(TimePoint t);

// Parses "2026-11-29", "2026-11-29T12:00:00Z", "2026-11-29T12:00:00.123Z" or with an offset
// ("...+02:00", "...-0530"); fractions beyond milliseconds are truncated. A date alone is
// midnight UTC. nullopt for anything else (including impossible dates such as 2026-02-30).
std::optional<TimePoint> ParseIso8601(std::string_view text);

inline std::int64_t ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(std::int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

}  // namespace leadgate::core

// File: throttled_warning.hpp
//
// A warning that is written at most once per interval, with the number of occurrences it stands
// for. A dependency that is down fails every request: one line per request would flood the log
// exactly when an operator needs to read it.
//
//   ThrottledWarning warn(clock, std::chrono::seconds(30));
//   warn.Note("rate limiter failing open", error.ToString());
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/clock.hpp"

namespace leadgate::limits {

// Where a warning line goes. Must be thread-safe.
using WarningSink = std::function<void(std::string_view line)>;

// "leadgate limits: <line>\n" to stderr in one write(2), like http::LogError. Never throws.
void WriteWarningToStderr(std::string_view line) noexcept;

class ThrottledWarning {
 public:
  // `clock` must outlive this object.
  ThrottledWarning(const core::Clock& clock, std::chrono::milliseconds every,
                   WarningSink sink = WriteWarningToStderr)
      : clock_(clock), every_(every), sink_(std::move(sink)) {}

  // Counts one occurrence; writes "<what>: <detail> (N times since the last warning)" when the
  // last line is at least `every` old. Thread-safe: of racing callers exactly one writes.
  void Note(std::string_view what, std::string_view detail);

 private:
  const core::Clock& clock_;
  const std::chrono::milliseconds every_;
  const WarningSink sink_;
  std::atomic<std::int64_t> last_ms_{INT64_MIN};  // when the last line was written
  std::atomic<std::uint64_t> pending_{0};         // occurrences since then
};

}  // namespace leadgate::limits

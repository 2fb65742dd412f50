#include "limits/throttled_warning.hpp"

#include <unistd.h>

#include <string>

namespace leadgate::limits {

void WriteWarningToStderr(std::string_view line) noexcept {
  try {
    std::string out;
    out.reserve(17 + line.size() + 1);
    out.append("leadgate limits: ").append(line).push_back('\n');
    const char* p = out.data();
    std::size_t left = out.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n <= 0) return;  // nowhere to report a failing stderr
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  } catch (...) {
    // Out of memory while logging: drop the line.
  }
}

void ThrottledWarning::Note(std::string_view what, std::string_view detail) {
  pending_.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t now = core::ToUnixMillis(clock_.Now());
  std::int64_t last = last_ms_.load(std::memory_order_relaxed);
  if (last != INT64_MIN && now - last < every_.count()) return;
  if (!last_ms_.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  const std::uint64_t n = pending_.exchange(0, std::memory_order_relaxed);
  std::string line(what);
  if (!detail.empty()) line.append(": ").append(detail);
  if (n > 1) line.append(" (").append(std::to_string(n)).append(" times since the last warning)");
  sink_(line);
}

}  // namespace leadgate::limits

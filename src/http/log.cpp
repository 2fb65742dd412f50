#include "http/log.hpp"

#include <unistd.h>

#include <string>

namespace leadgate::http {

void LogError(std::string_view what, std::string_view detail) noexcept {
  try {
    std::string line;
    line.reserve(16 + what.size() + detail.size());
    line.append("leadgate http: ").append(what);
    if (!detail.empty()) line.append(": ").append(detail);
    line.push_back('\n');
    // One write(2) per line: stderr is unbuffered and shared by every io thread.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n <= 0) return;  // nowhere to report a failing stderr
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  } catch (...) {
    // Out of memory while logging: drop the line rather than take the process down.
  }
}

}  // namespace leadgate::http

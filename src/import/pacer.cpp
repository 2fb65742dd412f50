#include "import/pacer.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace leadgate::import {
namespace {

// The value of parameter `name` (";name=value") in a structured-field item, as a number.
std::optional<double> Param(std::string_view header, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = header.find(';', pos)) != std::string_view::npos) {
    ++pos;
    while (pos < header.size() && header[pos] == ' ') ++pos;
    if (header.substr(pos, name.size()) != name || pos + name.size() >= header.size() ||
        header[pos + name.size()] != '=') {
      continue;
    }
    const char* begin = header.data() + pos + name.size() + 1;
    const char* end = header.data() + header.size();
    double value = 0;
    auto [p, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || p == begin || value < 0) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<RateLimitState> ParseRateLimit(std::string_view header) {
  auto r = Param(header, "r");
  auto t = Param(header, "t");
  if (!r || !t) return std::nullopt;
  return RateLimitState{static_cast<long long>(*r), *t};
}

std::optional<RateLimitPolicy> ParseRateLimitPolicy(std::string_view header) {
  auto q = Param(header, "q");
  auto w = Param(header, "w");
  if (!q || !w || *q < 1) return std::nullopt;
  return RateLimitPolicy{static_cast<long long>(*q), *w};
}

void Pacer::Observe(std::optional<std::string_view> ratelimit,
                    std::optional<std::string_view> policy, Clock::time_point) {
  std::lock_guard lock(mu_);
  if (policy) {
    if (auto p = ParseRateLimitPolicy(*policy)) policy_ = p;
  }
  if (!ratelimit) return;
  auto state = ParseRateLimit(*ratelimit);
  if (!state) return;
  if (state->remaining > in_flight_) {
    interval_ = std::chrono::microseconds(0);
    return;
  }
  const double seconds = policy_ ? policy_->window_s / static_cast<double>(policy_->quota)
                                 : state->reset_s / static_cast<double>(state->remaining + 1);
  interval_ = std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
}

Pacer::Clock::time_point Pacer::Reserve(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (interval_.count() == 0) return now;
  const auto slot = std::max(now, next_);
  next_ = slot + interval_;
  return slot;
}

std::chrono::microseconds Pacer::interval() const {
  std::lock_guard lock(mu_);
  return interval_;
}

}  // namespace leadgate::import

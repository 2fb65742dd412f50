#include "core/clock.hpp"

#include <cstdio>

namespace leadgate::core {

std::string FormatIso8601(TimePoint t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                int(hms.subseconds().count()));
  return buf;
}

namespace {

// Reads exactly `n` digits at `pos` into `out`.
bool Digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos++];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::optional<TimePoint> ParseIso8601(std::string_view s) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int y, mo, d;
  if (!Digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, mo) ||
      pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, d)) {
    return std::nullopt;
  }
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  TimePoint t = time_point_cast<milliseconds>(sys_days(ymd));
  if (pos == s.size()) return t;

  int h, mi, sec;
  if ((s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') || !Digits(s, ++pos, 2, h) ||
      pos >= s.size() || s[pos++] != ':' || !Digits(s, pos, 2, mi) || pos >= s.size() ||
      s[pos++] != ':' || !Digits(s, pos, 2, sec) || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  t += hours(h) + minutes(mi) + seconds(sec);
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int ms = 0, scale = 100, n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n++ < 3) {
        ms += (s[pos] - '0') * scale;
        scale /= 10;
      }
      ++pos;
    }
    if (n == 0) return std::nullopt;
    t += milliseconds(ms);
  }
  if (pos == s.size()) return std::nullopt;  // a time needs a zone: Z or an offset
  if (s[pos] == 'Z' || s[pos] == 'z') return pos + 1 == s.size() ? std::optional(t) : std::nullopt;
  if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
  const int sign = s[pos++] == '+' ? 1 : -1;
  int oh, om;
  if (!Digits(s, pos, 2, oh)) return std::nullopt;
  if (pos < s.size() && s[pos] == ':') ++pos;
  if (!Digits(s, pos, 2, om) || pos != s.size() || oh > 23 || om > 59) return std::nullopt;
  return t - sign * (hours(oh) + minutes(om));
}

}  // namespace leadgate::core

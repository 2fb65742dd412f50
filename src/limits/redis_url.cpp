#include "limits/redis_url.hpp"

#include <charconv>

namespace leadgate::limits {
namespace {

core::Result<RedisUrl> Invalid(std::string_view url, std::string_view why) {
  return core::MakeError(core::ErrorCode::kInvalidArgument,
                         "invalid Redis URL \"" + std::string(url) + "\": " + std::string(why) +
                             " (expected redis://[user:password@]host[:port][/db])");
}

// Non-negative decimal integer in [lo, hi], nothing else.
bool ParseInt(std::string_view s, int lo, int hi, int* out) {
  if (s.empty() || s.size() > 9) return false;
  int value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < lo || value > hi) return false;
  *out = value;
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;  // '%' needs two hex digits
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace

core::Result<RedisUrl> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    if (url.starts_with("rediss://")) return Invalid(url, "TLS (rediss://) is not supported");
    return Invalid(url, "the scheme must be redis://");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Invalid(url, "query strings and fragments are not supported");
  }
  RedisUrl out;

  // The authority ends at the first '/', the userinfo at the last '@' before it (a password
  // may contain '@' only percent-encoded, but be lenient about it).
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // redis://secret@host: the conventional reading is a password without a user.
      if (!PercentDecode(userinfo, &out.password)) return Invalid(url, "bad percent-encoding");
    } else {
      if (!PercentDecode(userinfo.substr(0, colon), &out.user) ||
          !PercentDecode(userinfo.substr(colon + 1), &out.password)) {
        return Invalid(url, "bad percent-encoding");
      }
    }
    if (!out.user.empty() && out.password.empty()) return Invalid(url, "a user needs a password");
  }

  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // [::1]:6379
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid(url, "unclosed [ in the host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Invalid(url, "unexpected text after the host");
      port = after.substr(1);
      if (port.empty()) return Invalid(url, "empty port");
    }
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return Invalid(url, "empty port");
  }
  if (host.empty()) return Invalid(url, "the host is missing");
  out.host = std::string(host);
  if (!port.empty() && !ParseInt(port, 1, 65535, &out.port)) {
    return Invalid(url, "the port must be a number from 1 to 65535");
  }
  if (!path.empty() && !ParseInt(path, 0, 1'000'000, &out.db)) {
    return Invalid(url, "the database must be a non-negative integer");
  }
  return out;
}

}  // namespace leadgate::limits

#include "core/email.hpp"

#include <algorithm>
#include <cstddef>

#include "core/text.hpp"

namespace leadgate::core {
namespace {

constexpr std::size_t kMaxAddressOctets = 254;  // RFC 5321 path (256) minus the angle brackets
constexpr std::size_t kMaxLocalOctets = 64;
constexpr std::size_t kMaxDomainOctets = 255;
constexpr std::size_t kMaxLabelOctets = 63;
constexpr std::size_t kMinTldCodePoints = 2;

bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool IsLocalChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7F;  // non-ASCII bytes (>= 0x80) pass
}

bool IsLabelChar(char c) {
  return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '-' || IsNonAscii(c);
}

bool IsValidLabel(std::string_view label) {
  return !label.empty() && label.size() <= kMaxLabelOctets && label.front() != '-' &&
         label.back() != '-' && std::ranges::all_of(label, IsLabelChar);
}

bool IsValidTld(std::string_view tld) {
  // "xn--" labels are how ASCII-only systems write internationalised TLDs (".xn--p1ai" = ".рф").
  if (AsciiLower(tld.substr(0, 4)) == "xn--") return tld.size() > 4;
  return CountCodePoints(tld) >= kMinTldCodePoints &&
         std::ranges::all_of(tld, [](char c) { return IsAsciiLetter(c) || IsNonAscii(c); });
}

bool IsValidDomain(std::string_view domain) {
  if (domain.size() > kMaxDomainOctets) return false;
  std::size_t labels = 0;
  std::string_view rest = domain;
  while (true) {
    const std::size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (!IsValidLabel(label)) return false;
    ++labels;
    if (dot == std::string_view::npos) return labels >= 2 && IsValidTld(label);
    rest.remove_prefix(dot + 1);
  }
}

}  // namespace

std::optional<std::string> NormalizeEmail(std::string_view email) {
  // Unicode spaces (U+00A0 ...) are non-ASCII bytes that the per-byte rules below would pass.
  if (email.size() > kMaxAddressOctets || FindSpace(email) != std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view local = email.substr(0, at);
  const std::string_view domain = email.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalOctets || !std::ranges::all_of(local, IsLocalChar)) {
    return std::nullopt;
  }
  if (!IsValidDomain(domain)) return std::nullopt;
  return AsciiLower(email);
}

}  // namespace leadgate::core

#include "core/text.hpp"

#include <array>

namespace leadgate::core {
namespace {

// Encoded forms of the non-ASCII white space. Matching whole encodings at either end is safe on
// valid UTF-8 because none of them starts with a continuation byte, so a match can never begin
// in the middle of another code point.
constexpr std::array<std::string_view, 21> kUnicodeSpaces{
    "\u0085", "\u00A0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003",
    "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200A",
    "\u200B", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\uFEFF",
};

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Length in bytes of the white-space code point `s` starts with, 0 if none.
std::size_t LeadingSpaceLength(std::string_view s) {
  if (s.empty()) return 0;
  if (IsAsciiSpace(s.front())) return 1;
  for (std::string_view space : kUnicodeSpaces) {
    if (s.starts_with(space)) return space.size();
  }
  return 0;
}

std::size_t TrailingSpaceLength(std::string_view s) {
  if (s.empty()) return 0;
  if (IsAsciiSpace(s.back())) return 1;
  for (std::string_view space : kUnicodeSpaces) {
    if (s.ends_with(space)) return space.size();
  }
  return 0;
}

}  // namespace

std::string_view TrimSpace(std::string_view utf8) {
  while (std::size_t n = LeadingSpaceLength(utf8)) utf8.remove_prefix(n);
  while (std::size_t n = TrailingSpaceLength(utf8)) utf8.remove_suffix(n);
  return utf8;
}

std::size_t FindSpace(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    if (LeadingSpaceLength(utf8.substr(i)) > 0) return i;
  }
  return std::string_view::npos;
}

std::size_t CountCodePoints(std::string_view utf8) {
  std::size_t count = 0;
  for (char c : utf8) {
    // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace leadgate::core

// File: text.hpp
//
// Small UTF-8 text helpers for lead fields. Pure functions: thread-safe, no allocation except
// where a std::string is returned.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace leadgate::core {

// `utf8` without leading and trailing white space. White space is: ASCII white space (TAB, LF,
// VT, FF, CR, SPACE), every other Unicode White_Space code point (U+0085, U+00A0, U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) and the invisible characters CRM
// exports leave behind: ZERO WIDTH SPACE U+200B and the byte order mark U+FEFF. Returns a view
// into `utf8`; an all-white-space input gives an empty view. Never splits a code point, and is
// memory-safe (though not meaningful) on invalid UTF-8.
std::string_view TrimSpace(std::string_view utf8);

// Byte offset of the first white-space code point (as TrimSpace defines it) in `utf8`, or
// std::string_view::npos when there is none.
std::size_t FindSpace(std::string_view utf8);

// Number of Unicode code points in `utf8`, which must be valid UTF-8 (the JSON parser has
// checked it). This is what "<= N chars" in docs/api.md counts.
std::size_t CountCodePoints(std::string_view utf8);

// `s` with ASCII 'A'..'Z' mapped to 'a'..'z'; every other byte (including UTF-8 multi-byte
// sequences) is unchanged.
std::string AsciiLower(std::string_view s);

}  // namespace leadgate::core

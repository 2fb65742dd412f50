// File: log.hpp
//
// The transport's one-line error log. Thread-safe: each call is a single write(2) to stderr, so
// lines from different io threads never interleave. Used for events an operator may want to see
// (bad input that was answered with a 4xx, handler exceptions, accept failures); routine events
// (idle keep-alive timeouts, clients that hang up) are not logged.
#pragma once

#include <string_view>

namespace leadgate::http {

// Writes "leadgate http: <what>: <detail>\n" to stderr. Never throws.
void LogError(std::string_view what, std::string_view detail) noexcept;

}  // namespace leadgate::http

// File: query.hpp
//
// Request-target helpers: the path and percent-decoded query parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leadgate::http {

// "/a/b?x=1" -> "/a/b"
std::string_view TargetPath(std::string_view target);

// The percent-decoded value of the first `name` parameter ('+' is a space), or nullopt.
// A parameter given without '=' has the value "".
std::optional<std::string> QueryParam(std::string_view target, std::string_view name);

}  // namespace leadgate::http

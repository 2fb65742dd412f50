#include "core/name.hpp"

#include <string_view>

#include "core/text.hpp"

namespace leadgate::core {

NameParts NormalizeName(const std::optional<std::string>& name,
                        const std::optional<std::string>& first,
                        const std::optional<std::string>& last) {
  if (name && first) return {*name, first, last};
  if (first) return {last ? *first + " " + *last : *first, first, last};
  if (!name) return {last.value_or(""), std::nullopt, last};

  const std::string_view whole = *name;
  const std::size_t space = FindSpace(whole);
  if (space == std::string_view::npos) return {*name, *name, last};
  NameParts parts{*name, std::string(whole.substr(0, space)), last};
  // An explicit lastName is the client's own split and beats ours.
  if (!parts.last_name) {
    const std::string_view rest = TrimSpace(whole.substr(space));
    if (!rest.empty()) parts.last_name = std::string(rest);
  }
  return parts;
}

}  // namespace leadgate::core

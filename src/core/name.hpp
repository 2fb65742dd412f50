// File: name.hpp
//
// Name normalisation for leads (docs/api.md, "Normalisation").
#pragma once

#include <optional>
#include <string>

namespace leadgate::core {

struct NameParts {
  std::string name;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;

  bool operator==(const NameParts&) const = default;
};

// Derives the stored name fields from the submitted ones. Inputs are already trimmed; each is
// either non-empty or nullopt, and at least one of `name` and `first` is present.
//  - name and first both given: all three kept as given.
//  - name without first: first_name is the part of `name` before its first white space (as
//    TrimSpace defines it, so a no-break space splits too); last_name is `last` when given,
//    else the rest of `name` trimmed ("Jane  Doe" -> "Jane", "Doe"), absent for a one-word name.
//    `name` is kept as given.
//  - first without name: name = first + " " + last (just first when last is absent); first_name
//    and last_name kept as given.
// If the precondition is broken (neither name nor first), name is `last` or empty. Pure.
NameParts NormalizeName(const std::optional<std::string>& name,
                        const std::optional<std::string>& first,
                        const std::optional<std::string>& last);

}  // namespace leadgate::core

// File: flags.hpp
//
// A small argv parser for the subcommands: positional words, `--name value`, `--name=value` and
// boolean `--switch`es. Every flag a command reads must be declared, so a typo is an error.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace leadgate::app {

class Flags {
 public:
  // `valued`: flags that take a value; `switches`: flags that do not.
  // kInvalidArgument for an undeclared flag or a valued flag without a value.
  static core::Result<Flags> Parse(const std::vector<std::string>& args,
                                   const std::set<std::string>& valued,
                                   const std::set<std::string>& switches);

  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  // kInvalidArgument naming the flag when it is absent.
  core::Result<std::string> Require(const std::string& name) const;
  // kInvalidArgument when present but not an integer in [min, max].
  core::Result<long long> GetInt(const std::string& name, long long fallback, long long min,
                                 long long max) const;
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace leadgate::app

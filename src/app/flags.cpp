#include "app/flags.hpp"

#include <charconv>

namespace leadgate::app {

using core::ErrorCode;
using core::MakeError;

core::Result<Flags> Flags::Parse(const std::vector<std::string>& args,
                                 const std::set<std::string>& valued,
                                 const std::set<std::string>& switches) {
  Flags flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--")) {
      flags.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (switches.count(name) > 0) {
      if (value) return MakeError(ErrorCode::kInvalidArgument, "--" + name + " takes no value");
      flags.values_[name] = "true";
    } else if (valued.count(name) > 0) {
      if (!value) {
        if (i + 1 >= args.size()) {
          return MakeError(ErrorCode::kInvalidArgument, "--" + name + " needs a value");
        }
        value = args[++i];
      }
      flags.values_[name] = *value;
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "unknown flag --" + name);
    }
  }
  return flags;
}

std::optional<std::string> Flags::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Flags::GetOr(const std::string& name, const std::string& fallback) const {
  return Get(name).value_or(fallback);
}

core::Result<std::string> Flags::Require(const std::string& name) const {
  auto value = Get(name);
  if (!value || value->empty())
    return MakeError(ErrorCode::kInvalidArgument, "--" + name + " is required");
  return *value;
}

core::Result<long long> Flags::GetInt(const std::string& name, long long fallback, long long min,
                                      long long max) const {
  auto value = Get(name);
  if (!value) return fallback;
  long long n = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (ec != std::errc() || end != value->data() + value->size() || n < min || n > max) {
    return MakeError(ErrorCode::kInvalidArgument, "--" + name + " must be an integer from " +
                                                      std::to_string(min) + " to " +
                                                      std::to_string(max));
  }
  return n;
}

}  // namespace leadgate::app

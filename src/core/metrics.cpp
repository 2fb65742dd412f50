#include "core/metrics.hpp"

#include <set>

namespace leadgate::core {

Counter& MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                     const std::string& labels) {
  Counter& counter = owned_.emplace_back();
  entries_.push_back({name, help, "counter", labels,
                      [&counter] { return static_cast<std::int64_t>(counter.Value()); }});
  return counter;
}

void MetricsRegistry::AddCounterFn(const std::string& name, const std::string& help,
                                   std::function<std::uint64_t()> read, const std::string& labels) {
  entries_.push_back({name, help, "counter", labels,
                      [read = std::move(read)] { return static_cast<std::int64_t>(read()); }});
}

void MetricsRegistry::AddGaugeFn(const std::string& name, const std::string& help,
                                 std::function<std::int64_t()> read) {
  entries_.push_back({name, help, "gauge", "", std::move(read)});
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::set<std::string> described;
  // Prometheus wants all samples of one metric together: print by name in first-seen order.
  std::vector<std::string> order;
  for (const Entry& e : entries_) {
    if (described.insert(e.name).second) order.push_back(e.name);
  }
  for (const std::string& name : order) {
    bool header = false;
    for (const Entry& e : entries_) {
      if (e.name != name) continue;
      if (!header) {
        out += "# HELP " + e.name + " " + e.help + "\n# TYPE " + e.name + " " + e.type + "\n";
        header = true;
      }
      out += e.name;
      if (!e.labels.empty()) out += "{" + e.labels + "}";
      out += " " + std::to_string(e.read()) + "\n";
    }
  }
  return out;
}

}  // namespace leadgate::core

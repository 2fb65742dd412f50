// File: metrics.hpp
//
// Process-wide counters for `GET /metrics` (Prometheus text format 0.0.4). Counters are plain
// atomics owned by whoever counts; the registry only knows how to read and print them, so the
// core and the limits stay free of any metrics library.
//
//   core::MetricsRegistry metrics;
//   core::Counter& denied = metrics.AddCounter("leadgate_rate_limited_total", "429 answers");
//   denied.Inc();
//   metrics.AddCounterFn("leadgate_rate_limit_fail_open_total", "...", [&] { return n.load(); });
//   std::string text = metrics.Render();
//
// Thread-safety: Inc/Value from any thread; Add* only before the server starts (not locked).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace leadgate::core {

class Counter {
 public:
  void Inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class MetricsRegistry {
 public:
  // A counter owned by the registry; the reference stays valid for the registry's lifetime.
  // `labels` is the Prometheus label set without braces, e.g. `code="503"`; several counters may
  // share a name with different labels (the HELP/TYPE lines are printed once, for the first).
  Counter& AddCounter(const std::string& name, const std::string& help,
                      const std::string& labels = "");
  // A counter kept elsewhere (an atomic in a decorator), read at render time.
  void AddCounterFn(const std::string& name, const std::string& help,
                    std::function<std::uint64_t()> read, const std::string& labels = "");
  // A gauge read at render time (e.g. 1/0 for "Redis reachable").
  void AddGaugeFn(const std::string& name, const std::string& help,
                  std::function<std::int64_t()> read);

  // Every metric in registration order, grouped by name.
  std::string Render() const;

 private:
  struct Entry {
    std::string name;
    std::string help;
    std::string type;  // "counter" or "gauge"
    std::string labels;
    std::function<std::int64_t()> read;
  };
  std::deque<Counter> owned_;  // deque: references stay valid as it grows
  std::vector<Entry> entries_;
};

}  // namespace leadgate::core

// File: bench_env.hpp
//
// Small helpers shared by the benchmark executables: a fresh SQLite store with one project and
// process (opened exactly as `leadgate serve` opens it), temp directories, percentiles, peak RSS
// and CPU time of this process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/lead_store.hpp"
#include "core/tenancy.hpp"

namespace leadgate::bench {

struct BenchDb {
  std::unique_ptr<core::LeadStore> store;
  core::Project project;  // region US, as `leadgate project create` makes it by default
  core::Process process;
  std::string api_key;  // the project's first key (for driving `leadgate serve` on this file)
};

// Opens `path` through app::OpenStore (the serve path: same pragmas, `sync` "full" or "normal")
// and creates a project and a process in it.
core::Result<BenchDb> CreateBenchDb(const std::string& path, const std::string& sync);

// A new empty directory under $TMPDIR (or /tmp); aborts on failure.
std::string MakeTempDir(const std::string& tag);
// rm -rf `path`; errors ignored.
void RemoveTree(const std::string& path);

// `p` in [0, 100] of `values` (sorted in place); 0 for an empty vector. Nearest-rank.
double Percentile(std::vector<double>& values, double p);

// VmHWM of this process in KiB (0 if unreadable).
std::int64_t PeakRssKib();
// User + system CPU seconds of this process so far.
double CpuSeconds();

// /proc/self/io: bytes this process passed to read/pread and write/pwrite (rchar, wchar; page
// cache hits included) and bytes it caused to be written to storage (write_bytes).
struct IoCounters {
  std::int64_t rchar = 0;
  std::int64_t wchar = 0;
  std::int64_t write_bytes = 0;
};
IoCounters ReadIo();

// One flat JSON object, built field by field (keys and string values must need no escaping
// beyond what AppendJsonString does).
class JsonObject {
 public:
  JsonObject& Num(std::string_view key, double value, int decimals = 3);
  JsonObject& Int(std::string_view key, std::int64_t value);
  JsonObject& Str(std::string_view key, std::string_view value);
  JsonObject& Bool(std::string_view key, bool value);
  JsonObject& Raw(std::string_view key, std::string_view json);  // an already-encoded value
  std::string str() const { return text_ + "}"; }

 private:
  JsonObject& Key(std::string_view key);
  std::string text_ = "{";
};

}  // namespace leadgate::bench

#include "bench_env.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/admin.hpp"
#include "app/open_store.hpp"
#include "core/clock.hpp"
#include "core/object_id.hpp"
#include "lead_generator.hpp"

namespace leadgate::bench {

core::Result<BenchDb> CreateBenchDb(const std::string& path, const std::string& sync) {
  app::StoreOptions options;
  options.db = path;
  options.sync = sync;
  auto store = app::OpenStore(options);
  if (!store) return std::unexpected(store.error());
  BenchDb db;
  db.store = std::move(*store);
  core::SystemClock clock;
  core::ObjectIdGenerator ids;
  app::Admin admin(*db.store, clock, ids);
  auto project = admin.CreateProject("bench", "US");
  if (!project) return std::unexpected(project.error());
  db.project = project->project;
  db.api_key = project->key.api_key;
  auto process = admin.CreateProcess(db.project.id, "bench");
  if (!process) return std::unexpected(process.error());
  db.process = *process;
  return db;
}

std::string MakeTempDir(const std::string& tag) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + tag + ".XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  return pattern;
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const auto i =
      static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(values.size())));
  return values[i - 1];
}

std::int64_t PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

IoCounters ReadIo() {
  IoCounters io;
  std::ifstream in("/proc/self/io");
  std::string key;
  std::int64_t value = 0;
  while (in >> key >> value) {
    if (key == "rchar:") io.rchar = value;
    if (key == "wchar:") io.wchar = value;
    if (key == "write_bytes:") io.write_bytes = value;
  }
  return io;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

JsonObject& JsonObject::Key(std::string_view key) {
  if (text_.size() > 1) text_ += ',';
  AppendJsonString(key, text_);
  text_ += ':';
  return *this;
}

JsonObject& JsonObject::Num(std::string_view key, double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::isfinite(value) ? value : 0.0);
  Key(key).text_ += buf;
  return *this;
}

JsonObject& JsonObject::Int(std::string_view key, std::int64_t value) {
  Key(key).text_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::Str(std::string_view key, std::string_view value) {
  AppendJsonString(value, Key(key).text_);
  return *this;
}

JsonObject& JsonObject::Bool(std::string_view key, bool value) {
  Key(key).text_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::Raw(std::string_view key, std::string_view json) {
  Key(key).text_ += json;
  return *this;
}

}  // namespace leadgate::bench

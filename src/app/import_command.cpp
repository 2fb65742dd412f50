#include "app/import_command.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/curl_transport.hpp"
#include "app/flags.hpp"
#include "core/clock.hpp"
#include "core/phone.hpp"
#include "import/importer.hpp"
#include "import/record_source.hpp"

namespace leadgate::app {
namespace {

constexpr const char* kImportUsage =
    R"(usage: leadgate import FILE --url BASE --token KEY --project ID --process ID
         [--init | --no-init] [--batch 1000] [--concurrency 4] [--map column=field ...]
         [--region CC] [--out FILE.results.csv] [--format csv|ndjson] [--dry-run]
         [--max-attempts 8] [--timeout-ms 120000] [--progress-ms 1000]
FILE is CSV (header row) or NDJSON (.ndjson/.jsonl), '-' for stdin. --token defaults to
$LEADGATE_TOKEN. Exit codes: 0 every row answered, 1 some row failed or the import stopped,
2 usage error, 130 interrupted (Ctrl-C; the same command resumes).
)";

int Usage(const std::string& message) {
  std::fprintf(stderr, "leadgate: %s\n%s", message.c_str(), kImportUsage);
  return 2;
}

std::string Thousands(std::uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string Duration(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

class ProgressPrinter {
 public:
  ProgressPrinter(std::uint64_t total_bytes, bool terminal)
      : total_bytes_(total_bytes), terminal_(terminal) {}

  void operator()(const import::ImportProgress& p, bool final) {
    const double secs = std::max(0.001, static_cast<double>(p.elapsed.count()) / 1000.0);
    const double rate = static_cast<double>(p.rows_read) / secs;
    std::string eta = "-";
    double fraction = -1;
    if (total_bytes_ > 0 && p.bytes_read > 0) {
      fraction =
          std::min(1.0, static_cast<double>(p.bytes_read) / static_cast<double>(total_bytes_));
      if (fraction > 0) eta = Duration(secs * (1 - fraction) / fraction);
    }
    std::string text = Thousands(p.rows_read) + " rows read, " + Thousands(p.rows_sent) +
                       " sent, " + Thousands(p.created) + " created, " + Thousands(p.invalid) +
                       " invalid, " + Thousands(p.duplicate) + " duplicate, " +
                       Thousands(p.failed) + " failed, " +
                       Thousands(static_cast<std::uint64_t>(rate)) + " rows/s";
    if (terminal_) {
      std::string bar;
      if (fraction >= 0) {
        const int filled = static_cast<int>(fraction * 24);
        bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(24 - filled), '.') + "] " +
              std::to_string(static_cast<int>(fraction * 100)) + "% ";
      }
      std::fprintf(stderr, "\r\033[K%s%s, ETA %s", bar.c_str(), text.c_str(),
                   final ? "0:00:00" : eta.c_str());
      if (final) std::fputc('\n', stderr);
    } else if (!final) {
      std::fprintf(stderr, "leadgate import: %s, elapsed %s, ETA %s\n", text.c_str(),
                   Duration(secs).c_str(), eta.c_str());
    }
    std::fflush(stderr);
  }

 private:
  std::uint64_t total_bytes_;
  bool terminal_;
};

// Ctrl-C (or SIGTERM) during an import: the first asks the importer to stop cleanly (answers in
// flight are still checkpointed, so the re-run resumes exactly there); a second one kills.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnInterrupt(int signal_number) {
  if (g_interrupted.exchange(true)) {
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
  }
}

std::string StopAdvice(const import::ImportSummary& s) {
  if (s.stop_code == "interrupted") {
    return "interrupted; the answers received so far are in the checkpoint: run the same command "
           "again to resume";
  }
  if (s.stop_code == "http_401") {
    return "the server rejected the API key (" + s.stop_message + "): check --token";
  }
  if (s.stop_code == "http_403") {
    return "the server refused the project (" + s.stop_message +
           "): check --project (it must be the key's project, and active)";
  }
  if (s.stop_code == "http_404") {
    return "the server did not find the target (" + s.stop_message + "): check --process and --url";
  }
  if (s.stop_code == "key_blocked") {
    const auto until =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
        s.blocked_for;
    return "the API key is blocked after repeated duplicate submissions until " +
           core::FormatIso8601(until) + " (" + std::to_string(s.blocked_for.count()) +
           " s); run the same command again after that: it resumes where it stopped (an "
           "administrator can lift the block with `leadgate key unblock`)";
  }
  return s.stop_message;
}

}  // namespace

int ImportCommand(const std::vector<std::string>& raw_args) {
  // --map may repeat: take those out before the generic parser (which keeps one value a flag).
  std::vector<std::string> args;
  std::vector<std::string> maps;
  for (std::size_t i = 0; i < raw_args.size(); ++i) {
    const std::string& a = raw_args[i];
    if (a == "--map") {
      if (i + 1 >= raw_args.size()) return Usage("--map needs a value");
      maps.push_back(raw_args[++i]);
    } else if (a.starts_with("--map=")) {
      maps.push_back(a.substr(6));
    } else {
      args.push_back(a);
    }
  }
  auto flags = Flags::Parse(args,
                            {"url", "token", "project", "process", "batch", "concurrency", "region",
                             "out", "format", "max-attempts", "timeout-ms", "progress-ms"},
                            {"init", "no-init", "dry-run", "help"});
  if (!flags) return Usage(flags.error().message);
  if (flags->Has("help")) {
    std::fputs(kImportUsage, stdout);
    return 0;
  }
  if (flags->positional().size() != 1) return Usage("import takes exactly one FILE (or -)");
  const std::string file = flags->positional()[0];
  auto url = flags->Require("url");
  auto project = flags->Require("project");
  auto process = flags->Require("process");
  if (!url) return Usage(url.error().message);
  if (!project) return Usage(project.error().message);
  if (!process) return Usage(process.error().message);
  std::string token = flags->GetOr("token", "");
  if (token.empty()) {
    if (const char* env = std::getenv("LEADGATE_TOKEN")) token = env;
  }
  if (token.empty()) return Usage("--token is required (or set LEADGATE_TOKEN)");
  if (flags->Has("init") && flags->Has("no-init")) return Usage("--init and --no-init conflict");
  auto batch = flags->GetInt("batch", 1000, 1, 1000);
  auto concurrency = flags->GetInt("concurrency", 4, 1, 64);
  auto attempts = flags->GetInt("max-attempts", 8, 1, 1000);
  auto timeout = flags->GetInt("timeout-ms", 120'000, 100, 3'600'000);
  auto progress_ms = flags->GetInt("progress-ms", 1000, 10, 3'600'000);
  for (const auto* r : {&batch, &concurrency, &attempts, &timeout, &progress_ms}) {
    if (!*r) return Usage(r->error().message);
  }
  const std::string format_flag = flags->GetOr("format", "");
  if (!format_flag.empty() && format_flag != "csv" && format_flag != "ndjson") {
    return Usage("--format must be csv or ndjson");
  }
  const import::InputFormat format =
      format_flag.empty()
          ? import::GuessFormat(file)
          : (format_flag == "csv" ? import::InputFormat::kCsv : import::InputFormat::kNdjson);
  auto map = import::ColumnMap::Create(maps);
  if (!map) return Usage(map.error().message);
  const std::string region = flags->GetOr("region", "");
  std::unique_ptr<core::PhoneNumbers> phones;
  if (!region.empty()) phones = std::make_unique<core::PhoneNumbers>();

  const std::string out_path =
      flags->GetOr("out", file == "-" ? "import-results.csv" : file + ".results.csv");

  std::ifstream file_in;
  std::istream* in = &std::cin;
  std::uint64_t total_bytes = 0;
  std::vector<char> buffer(1 << 20);
  if (file != "-") {
    file_in.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    file_in.open(file, std::ios::binary);
    if (!file_in) {
      std::fprintf(stderr, "leadgate: cannot open %s\n", file.c_str());
      return 1;
    }
    file_in.seekg(0, std::ios::end);
    total_bytes = static_cast<std::uint64_t>(std::max<std::streamoff>(0, file_in.tellg()));
    file_in.seekg(0);
    in = &file_in;
  } else {
    std::ios::sync_with_stdio(false);
  }
  auto source = import::OpenRecordSource(format, *in);
  if (!source) {
    std::fprintf(stderr, "leadgate: %s: %s\n", file.c_str(), source.error().message.c_str());
    return 1;
  }
  std::ofstream results(out_path, std::ios::binary | std::ios::trunc);
  if (!results) {
    std::fprintf(stderr, "leadgate: cannot write %s\n", out_path.c_str());
    return 1;
  }

  import::LeadEncoder encoder(std::move(*map), *project, *process, region, phones.get());
  import::ImportOptions options;
  options.url = *url;
  options.token = token;
  options.dry_run = flags->Has("dry-run");
  options.concurrency = static_cast<std::size_t>(*concurrency);
  options.chunk.batch = static_cast<std::size_t>(*batch);
  options.chunk.init = !flags->Has("no-init");
  options.retry.max_attempts = static_cast<int>(*attempts);
  options.checkpoint_path = out_path + ".checkpoint";
  options.progress_interval = std::chrono::milliseconds(*progress_ms);

  const auto request_timeout = std::chrono::milliseconds(*timeout);
  import::ImportEnv env;
  env.make_transport = [request_timeout] {
    return std::make_unique<CurlTransport>(request_timeout);
  };
  env.progress = ProgressPrinter(total_bytes, isatty(STDERR_FILENO) == 1);
  env.interrupted = [] { return g_interrupted.load(); };
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);

  const import::ImportSummary s = import::RunImport(**source, encoder, options, env, results);
  results.close();
  const auto& p = s.progress;
  std::printf(
      "leadgate import: %s rows: %s %s, %s invalid, %s duplicate, %s failed (%s chunks sent, %s "
      "resumed from the checkpoint, %s retries) in %.1f s; results in %s\n",
      Thousands(p.rows_read).c_str(), Thousands(p.created).c_str(),
      options.dry_run ? "valid (dry run)" : "created", Thousands(p.invalid).c_str(),
      Thousands(p.duplicate).c_str(), Thousands(p.failed).c_str(), Thousands(p.chunks_sent).c_str(),
      Thousands(p.chunks_resumed).c_str(), Thousands(p.retries).c_str(),
      static_cast<double>(p.elapsed.count()) / 1000.0, out_path.c_str());
  std::fflush(stdout);
  if (s.stopped) {
    std::fprintf(stderr, "leadgate: import stopped: %s\n", StopAdvice(s).c_str());
    return s.stop_code == "interrupted" ? 130 : 1;
  }
  if (p.failed > 0) {
    std::fprintf(stderr,
                 "leadgate: %s rows failed (see %s); run the same command again to retry them\n",
                 Thousands(p.failed).c_str(), out_path.c_str());
    return 1;
  }
  return 0;
}

}  // namespace leadgate::app

// leadgate_floor: the in-process floor of the bulk initiate path, and the write path's growth.
//
// Floor mode (default): the bodies the load generator sends (LeadGenerator::BulkBody, batches
// 0..N-1) are decoded (api::DecodeBulkInitiate), validated and stored (core::IngestService over
// storage::SqliteLeadStore, opened as `leadgate serve` opens it) by a plain loop of --threads
// threads (default 2, like the server's workers on this machine): no HTTP, no response encoding
// (unless --handler-work adds what the HTTP handler does on top: the copy of the decoded leads
// and EncodeBulkReport). Bodies are generated before the clock runs, in chunks, so generation is
// never timed (the timed wall time of a chunk includes its tail, where one thread may already be
// idle: at most one batch per 64). --batches N runs exactly batches 0..N-1; without it, whole
// chunks run until --seconds (default 30) of timed work. Prints leads/s and where the time goes,
// in wall and thread CPU time: decode / validate+service / wait for the writer / inside
// SqliteLeadStore::Ingest (timed_store.hpp).
//
// Grow mode (--grow): preloads a fresh file through the same path (--threads threads) up to each
// of --checkpoints (default 0,250000,500000,1000000 stored leads) and there times --samples
// (default 30) single 1000-lead batches on one thread: the write path's cost per lead, and the
// bytes it writes and reads per batch, as the table grows.
//
// Preload mode (--preload N): stores N leads (rounded up to whole 1000-lead batches) into a fresh
// file through the same path (--threads threads, --sync, default normal: the file is the read
// benchmark's fixture, not a durability test), with --groups G (default 1000) groups so that
// every lead has groupId "group-<index % G>", and writes --sample S (default 10000) randomly
// chosen stored leads to --sample-file as "id<TAB>referenceId<TAB>groupId" lines. With --json it
// prints the project, process and API key it created; `scripts/bench --reads` then serves the
// file (after this process has closed it) and drives it with leadgate_readgen.
//
// --verify-phones N: checks the generator's phones with libphonenumber (N samples over 10M leads).
//
// Output: a human summary on stderr, and with --json one JSON object on stdout.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/request_json.hpp"
#include "api/response_json.hpp"
#include "app/flags.hpp"
#include "bench_env.hpp"
#include "core/clock.hpp"
#include "core/ingest_service.hpp"
#include "core/object_id.hpp"
#include "core/phone.hpp"
#include "lead_generator.hpp"
#include "timed_store.hpp"

namespace leadgate::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::int64_t NsSince(SteadyClock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - t0).count();
}

// What one thread measured.
struct Stats {
  std::int64_t batches = 0;
  std::int64_t leads_sent = 0;
  std::int64_t accepted = 0;
  std::int64_t rejected = 0;
  std::map<std::string, std::int64_t> rejected_by_code;
  std::int64_t failures = 0;  // decode errors, store errors, non-report outcomes
  std::int64_t decode_ns = 0;
  std::int64_t ingest_ns = 0;  // IngestService::Ingest, store included
  std::int64_t wait_ns = 0;    // inside Ingest: queued for the writer
  std::int64_t store_ns = 0;   // inside Ingest: SqliteLeadStore::Ingest itself
  std::int64_t copy_ns = 0;    // --handler-work
  std::int64_t encode_ns = 0;  // --handler-work
  // Thread CPU time (robust against other load on the machine): decode, IngestService::Ingest
  // (validation and service work; the wait for the writer costs none), and the store's share.
  std::int64_t decode_cpu_ns = 0;
  std::int64_t ingest_cpu_ns = 0;
  std::int64_t store_cpu_ns = 0;
  std::vector<double> batch_ms;
  std::vector<double> store_ms;
  std::vector<double> store_cpu_ms;
  std::vector<double> store_ms_checkpoint;     // store wall time of batches that checkpointed
  std::vector<double> store_ms_no_checkpoint;  // ... and of the others
  // --preload: "id\treferenceId\tgroupId" of about one accepted lead in Pipeline::sample_every.
  std::vector<std::string> samples;
  std::uint64_t sample_counter = 0;

  void Add(const Stats& o) {
    batches += o.batches;
    leads_sent += o.leads_sent;
    accepted += o.accepted;
    rejected += o.rejected;
    for (const auto& [code, n] : o.rejected_by_code) rejected_by_code[code] += n;
    failures += o.failures;
    decode_ns += o.decode_ns;
    ingest_ns += o.ingest_ns;
    wait_ns += o.wait_ns;
    store_ns += o.store_ns;
    copy_ns += o.copy_ns;
    encode_ns += o.encode_ns;
    decode_cpu_ns += o.decode_cpu_ns;
    ingest_cpu_ns += o.ingest_cpu_ns;
    store_cpu_ns += o.store_cpu_ns;
    store_cpu_ms.insert(store_cpu_ms.end(), o.store_cpu_ms.begin(), o.store_cpu_ms.end());
    store_ms_checkpoint.insert(store_ms_checkpoint.end(), o.store_ms_checkpoint.begin(),
                               o.store_ms_checkpoint.end());
    store_ms_no_checkpoint.insert(store_ms_no_checkpoint.end(), o.store_ms_no_checkpoint.begin(),
                                  o.store_ms_no_checkpoint.end());
    batch_ms.insert(batch_ms.end(), o.batch_ms.begin(), o.batch_ms.end());
    store_ms.insert(store_ms.end(), o.store_ms.begin(), o.store_ms.end());
    samples.insert(samples.end(), o.samples.begin(), o.samples.end());
  }
};

// The service and everything it needs, over a fresh file.
struct Pipeline {
  BenchDb db;
  std::unique_ptr<TimedStore> timed;
  core::PhoneNumbers phones;
  core::SystemClock clock;
  core::ObjectIdGenerator ids;
  std::unique_ptr<core::IngestService> service;
  std::unique_ptr<LeadGenerator> gen;
  std::uint64_t sample_every = 0;  // --preload: keep ~1 accepted lead in this many (0: none)
};

// splitmix64, to pick samples spread over the whole run rather than at fixed batch offsets.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One request through decode + IngestService, as the HTTP handler does it (minus HTTP).
void RunBatch(Pipeline& p, const std::string& body, bool handler_work, Stats& s) {
  const std::int64_t c0 = TimedStore::ThreadCpuNs();
  const auto t0 = SteadyClock::now();
  auto decoded = api::DecodeBulkInitiate(body);
  const std::int64_t decode_ns = NsSince(t0);
  s.decode_ns += decode_ns;
  s.decode_cpu_ns += TimedStore::ThreadCpuNs() - c0;
  ++s.batches;
  if (!decoded) {
    ++s.failures;
    return;
  }
  s.leads_sent += static_cast<std::int64_t>(decoded->leads.items.size());
  core::IngestRequest request;
  request.project = p.db.project;
  request.leads = std::move(decoded->leads.items);
  request.init = decoded->init.value.value_or(true);

  std::vector<core::LeadInput> kept;
  if (handler_work) {  // InitiateHandler::Bulk keeps the leads as sent for the encoder
    const auto tc = SteadyClock::now();
    kept = request.leads;
    s.copy_ns += NsSince(tc);
  }
  const std::int64_t c1 = TimedStore::ThreadCpuNs();
  const auto t1 = SteadyClock::now();
  auto outcome = p.service->Ingest(std::move(request));
  const std::int64_t ingest_ns = NsSince(t1);
  s.ingest_ns += ingest_ns;
  s.ingest_cpu_ns += TimedStore::ThreadCpuNs() - c1;
  const TimedStore::CallTimes& call = TimedStore::LastCall();
  s.wait_ns += call.wait_ns;
  s.store_ns += call.store_ns;
  s.store_cpu_ns += call.store_cpu_ns;
  s.store_ms.push_back(static_cast<double>(call.store_ns) / 1e6);
  s.store_cpu_ms.push_back(static_cast<double>(call.store_cpu_ns) / 1e6);
  (call.checkpointed ? s.store_ms_checkpoint : s.store_ms_no_checkpoint)
      .push_back(static_cast<double>(call.store_ns) / 1e6);
  if (!outcome || !std::holds_alternative<core::IngestReport>(*outcome)) {
    ++s.failures;
    if (!outcome)
      std::fprintf(stderr, "floor: ingest failed: %s\n", outcome.error().ToString().c_str());
    return;
  }
  const auto& report = std::get<core::IngestReport>(*outcome);
  for (const auto& item : report.leads) {
    if (const auto* error = std::get_if<core::LeadError>(&item)) {
      ++s.rejected;
      ++s.rejected_by_code[std::string(core::ToCode(error->code))];
    } else {
      ++s.accepted;
      if (p.sample_every > 0 && Mix(s.sample_counter++) % p.sample_every == 0) {
        const auto& lead = std::get<core::Lead>(item);
        s.samples.push_back(lead.id + "\t" + lead.reference_id.value_or("") + "\t" +
                            lead.group_id.value_or(""));
      }
    }
  }
  std::int64_t encode_ns = 0;
  if (handler_work) {
    const auto te = SteadyClock::now();
    const std::string response = api::EncodeBulkReport(report, kept, {}, api::BulkFormat::kDefault);
    encode_ns = NsSince(te);
    s.encode_ns += encode_ns;
    if (response.empty()) ++s.failures;
  }
  s.batch_ms.push_back(static_cast<double>(decode_ns + ingest_ns + encode_ns) / 1e6);
}

core::Result<std::unique_ptr<Pipeline>> MakePipeline(const std::string& path,
                                                     const std::string& sync, std::size_t max_leads,
                                                     std::uint64_t groups = 0) {
  auto db = CreateBenchDb(path, sync);
  if (!db) return std::unexpected(db.error());
  auto p = std::make_unique<Pipeline>();
  p->db = std::move(*db);
  p->timed = std::make_unique<TimedStore>(*p->db.store, path);
  p->service = std::make_unique<core::IngestService>(*p->timed, p->phones, p->clock, p->ids,
                                                     core::IngestLimits{max_leads});
  p->gen = std::make_unique<LeadGenerator>(p->db.project.id, p->db.process.id, groups);
  return p;
}

// Runs batches on `threads` persistent threads (like a server's worker pool), bodies generated
// in chunks between timed phases; only the processing is timed. Collect() sums the threads'
// Stats so far.
class ChunkRunner {
 public:
  ChunkRunner(Pipeline& p, int threads, std::size_t leads_per_request, bool handler_work)
      : p_(p),
        leads_per_request_(leads_per_request),
        handler_work_(handler_work),
        stats_(static_cast<std::size_t>(threads)),
        sync_(threads + 1) {
    for (int t = 0; t < threads; ++t) {
      workers_.emplace_back([this, t] { Work(static_cast<std::size_t>(t)); });
    }
  }
  ~ChunkRunner() {
    stop_ = true;
    sync_.arrive_and_wait();  // release the workers into their exit check
    for (auto& w : workers_) w.join();
  }

  // Processes `count` batches starting at batch `first`; returns the timed wall seconds.
  double Run(std::uint64_t first, std::uint64_t count) {
    constexpr std::uint64_t kChunk = 64;
    double wall = 0;
    for (std::uint64_t done = 0; done < count;) {
      const std::uint64_t n = std::min(kChunk, count - done);
      bodies_.assign(n, {});
      GenerateBodies(first + done);
      next_ = 0;
      const auto t0 = SteadyClock::now();
      sync_.arrive_and_wait();  // start
      sync_.arrive_and_wait();  // all workers done
      wall += static_cast<double>(NsSince(t0)) / 1e9;
      done += n;
    }
    return wall;
  }

  Stats Collect() const {
    Stats total;
    for (const auto& s : stats_) total.Add(s);
    return total;
  }

 private:
  // Untimed; uses every worker's core too, so it finishes quickly.
  void GenerateBodies(std::uint64_t first) {
    const std::size_t threads = workers_.size();
    std::vector<std::thread> gen;
    for (std::size_t t = 0; t < threads; ++t) {
      gen.emplace_back([this, first, t, threads] {
        for (std::size_t i = t; i < bodies_.size(); i += threads) {
          bodies_[i] = p_.gen->BulkBody(first + i, leads_per_request_);
        }
      });
    }
    for (auto& g : gen) g.join();
  }

  void Work(std::size_t t) {
    while (true) {
      sync_.arrive_and_wait();
      if (stop_) return;
      for (std::size_t i; (i = next_.fetch_add(1)) < bodies_.size();) {
        RunBatch(p_, bodies_[i], handler_work_, stats_[t]);
      }
      sync_.arrive_and_wait();
    }
  }

  Pipeline& p_;
  const std::size_t leads_per_request_;
  const bool handler_work_;
  std::vector<Stats> stats_;
  std::vector<std::string> bodies_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stop_{false};
  std::barrier<> sync_;
  std::vector<std::thread> workers_;
};

std::string CodesJson(const std::map<std::string, std::int64_t>& codes) {
  std::string out = "{";
  for (const auto& [code, n] : codes) {
    if (out.size() > 1) out += ",";
    out += "\"" + code + "\":" + std::to_string(n);
  }
  return out + "}";
}

double PerLeadUs(std::int64_t ns, std::int64_t leads) {
  return leads > 0 ? static_cast<double>(ns) / 1e3 / static_cast<double>(leads) : 0;
}

int RunFloor(const app::Flags& flags, const std::string& db_path) {
  auto threads = flags.GetInt("threads", 2, 1, 64);
  auto batches = flags.GetInt("batches", 0, 0, 100000000);
  auto seconds = flags.GetInt("seconds", 30, 1, 3600);
  auto per_request = flags.GetInt("leads-per-request", 1000, 1, 100000);
  if (!threads || !batches || !seconds || !per_request) {
    std::fprintf(stderr, "floor: bad flag value\n");
    return 2;
  }
  const bool handler_work = flags.Has("handler-work");
  const std::string sync = flags.GetOr("sync", "full");
  auto pipeline = MakePipeline(db_path, sync, static_cast<std::size_t>(*per_request));
  if (!pipeline) {
    std::fprintf(stderr, "floor: %s\n", pipeline.error().ToString().c_str());
    return 1;
  }
  Pipeline& p = **pipeline;

  const double cpu0 = CpuSeconds();
  const IoCounters io0 = ReadIo();
  const auto run0 = SteadyClock::now();
  double wall = 0;
  std::uint64_t next_batch = 0;
  {
    ChunkRunner runner(p, static_cast<int>(*threads), static_cast<std::size_t>(*per_request),
                       handler_work);
    if (*batches > 0) {
      wall = runner.Run(0, static_cast<std::uint64_t>(*batches));
      next_batch = static_cast<std::uint64_t>(*batches);
    } else {
      // Time-bounded: whole chunks until --seconds of timed work.
      while (wall < static_cast<double>(*seconds)) {
        wall += runner.Run(next_batch, 64);
        next_batch += 64;
      }
    }
    Stats s = runner.Collect();
    const double cpu = CpuSeconds() - cpu0;  // includes untimed generation: an upper bound
    const double run_s = static_cast<double>(NsSince(run0)) / 1e9;
    const IoCounters io1 = ReadIo();
    const double written_mib = s.batches > 0
                                   ? static_cast<double>(io1.wchar - io0.wchar) /
                                         (1024.0 * 1024.0) / static_cast<double>(s.batches)
                                   : 0;

    const double leads_per_s = wall > 0 ? static_cast<double>(s.accepted) / wall : 0;
    const double p50 = Percentile(s.batch_ms, 50);
    const double p99 = Percentile(s.batch_ms, 99);
    const double store_p50 = Percentile(s.store_ms, 50);
    const double store_p99 = Percentile(s.store_ms, 99);
    const double store_max = s.store_ms.empty() ? 0 : s.store_ms.back();
    const double store_cpu_p50 = Percentile(s.store_cpu_ms, 50);
    const auto checkpoints = static_cast<std::int64_t>(s.store_ms_checkpoint.size());
    const double checkpoint_p50 = Percentile(s.store_ms_checkpoint, 50);
    const double no_checkpoint_p50 = Percentile(s.store_ms_no_checkpoint, 50);
    const double no_checkpoint_max =
        s.store_ms_no_checkpoint.empty() ? 0 : s.store_ms_no_checkpoint.back();
    const std::int64_t validate_ns = s.ingest_ns - s.wait_ns - s.store_ns;
    const std::int64_t validate_cpu_ns = s.ingest_cpu_ns - s.store_cpu_ns;
    const double writer_busy = wall > 0 ? static_cast<double>(s.store_ns) / 1e9 / wall : 0;
    auto per_lead = [&](std::int64_t ns) { return PerLeadUs(ns, s.leads_sent); };
    std::error_code ec;
    const auto db_bytes = std::filesystem::file_size(db_path, ec);

    std::fprintf(
        stderr,
        "floor: %lld batches x %lld leads on %lld threads in %.2f s (timed): %.0f "
        "leads/s accepted, %lld rejected, %lld failed requests\n"
        "floor: wall per 1000 leads: decode %.2f ms, validate+service %.2f ms, store "
        "%.2f ms, writer wait %.2f ms; copy %.2f ms, encode %.2f ms (--handler-work)\n"
        "floor: CPU per 1000 leads: decode %.2f ms, validate+service %.2f ms, store "
        "%.2f ms\n"
        "floor: batch p50 %.1f ms p99 %.1f ms; store batch p50 %.1f p99 %.1f max %.1f ms "
        "(CPU p50 %.1f ms); writer busy %.0f%%; %.1f MiB written per batch\n"
        "floor: %lld batches ran a WAL checkpoint: store p50 %.1f ms with one, %.1f ms "
        "(max %.1f) without\n",
        static_cast<long long>(s.batches), static_cast<long long>(*per_request),
        static_cast<long long>(*threads), wall, leads_per_s, static_cast<long long>(s.rejected),
        static_cast<long long>(s.failures), per_lead(s.decode_ns), per_lead(validate_ns),
        per_lead(s.store_ns), per_lead(s.wait_ns), per_lead(s.copy_ns), per_lead(s.encode_ns),
        per_lead(s.decode_cpu_ns), per_lead(validate_cpu_ns), per_lead(s.store_cpu_ns), p50, p99,
        store_p50, store_p99, store_max, store_cpu_p50, writer_busy * 100, written_mib,
        static_cast<long long>(checkpoints), checkpoint_p50, no_checkpoint_p50, no_checkpoint_max);
    if (flags.Has("json")) {
      JsonObject out;
      out.Str("mode", "floor")
          .Int("threads", *threads)
          .Int("leads_per_request", *per_request)
          .Int("batches", s.batches)
          .Bool("handler_work", handler_work)
          .Str("sync", sync)
          .Num("wall_s", wall)
          .Int("leads_sent", s.leads_sent)
          .Int("accepted", s.accepted)
          .Int("rejected", s.rejected)
          .Raw("rejected_by_code", CodesJson(s.rejected_by_code))
          .Int("failures", s.failures)
          .Num("leads_per_s", leads_per_s, 1)
          .Num("batch_p50_ms", p50, 2)
          .Num("batch_p99_ms", p99, 2)
          .Num("decode_us_per_lead", per_lead(s.decode_ns))
          .Num("validate_us_per_lead", per_lead(validate_ns))
          .Num("store_us_per_lead", per_lead(s.store_ns))
          .Num("wait_us_per_lead", per_lead(s.wait_ns))
          .Num("copy_us_per_lead", per_lead(s.copy_ns))
          .Num("encode_us_per_lead", per_lead(s.encode_ns))
          .Num("decode_cpu_us_per_lead", per_lead(s.decode_cpu_ns))
          .Num("validate_cpu_us_per_lead", per_lead(validate_cpu_ns))
          .Num("store_cpu_us_per_lead", per_lead(s.store_cpu_ns))
          .Num("store_batch_p50_ms", store_p50, 2)
          .Num("store_batch_p99_ms", store_p99, 2)
          .Num("store_batch_max_ms", store_max, 2)
          .Num("store_cpu_batch_p50_ms", store_cpu_p50, 2)
          .Int("checkpoint_batches", checkpoints)
          .Num("store_batch_p50_ms_checkpoint", checkpoint_p50, 2)
          .Num("store_batch_p50_ms_no_checkpoint", no_checkpoint_p50, 2)
          .Num("store_batch_max_ms_no_checkpoint", no_checkpoint_max, 2)
          .Num("writer_busy", writer_busy)
          .Num("cpu_s", cpu, 2)
          .Num("run_s", run_s, 2)
          .Num("written_mib_per_batch", written_mib, 2)
          .Int("db_bytes", ec ? 0 : static_cast<std::int64_t>(db_bytes))
          .Int("peak_rss_kib", PeakRssKib());
      std::printf("%s\n", out.str().c_str());
    }
    return s.failures == 0 ? 0 : 1;
  }
}

std::vector<long long> ParseList(const std::string& text) {
  std::vector<long long> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::stoll(item));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::uint64_t FileBytes(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

int RunGrow(const app::Flags& flags, const std::string& db_path) {
  auto samples = flags.GetInt("samples", 30, 1, 10000);
  auto threads = flags.GetInt("threads", 2, 1, 64);
  if (!samples || !threads) {
    std::fprintf(stderr, "floor: bad flag value\n");
    return 2;
  }
  std::vector<long long> checkpoints;
  try {
    checkpoints = ParseList(flags.GetOr("checkpoints", "0,250000,500000,1000000"));
  } catch (const std::exception&) {
    std::fprintf(stderr, "floor: --checkpoints must be a comma-separated list of counts\n");
    return 2;
  }
  constexpr std::size_t kPerRequest = 1000;
  const std::string sync = flags.GetOr("sync", "full");
  auto pipeline = MakePipeline(db_path, sync, kPerRequest);
  if (!pipeline) {
    std::fprintf(stderr, "floor: %s\n", pipeline.error().ToString().c_str());
    return 1;
  }
  Pipeline& p = **pipeline;
  ChunkRunner preload(p, static_cast<int>(*threads), kPerRequest, false);

  std::uint64_t next_batch = 0;
  std::int64_t stored = 0;
  std::int64_t rejected = 0;
  std::string rows;
  const auto start = SteadyClock::now();
  std::fprintf(stderr, "%10s %12s %12s %12s %13s %13s %14s %12s %10s %10s %8s\n", "stored",
               "store p50 ms", "store mean", "store max ms", "store us/lead", "CPU us/lead",
               "full batch p50", "preload l/s", "MiB w/bat", "MiB r/bat", "db MiB");
  for (const long long checkpoint : checkpoints) {
    double preload_rate = 0;
    if (stored < checkpoint) {
      const std::uint64_t n =
          (static_cast<std::uint64_t>(checkpoint - stored) + kPerRequest - 1) / kPerRequest;
      const Stats before = preload.Collect();
      const double wall = preload.Run(next_batch, n);
      next_batch += n;
      const Stats after = preload.Collect();
      stored += after.accepted - before.accepted;
      rejected += after.rejected - before.rejected;
      preload_rate = static_cast<double>(after.accepted - before.accepted) / wall;
    }
    // The samples: one thread, one batch at a time, bodies generated up front.
    std::vector<std::string> bodies;
    for (long long i = 0; i < *samples; ++i)
      bodies.push_back(p.gen->BulkBody(next_batch + static_cast<std::uint64_t>(i), kPerRequest));
    next_batch += static_cast<std::uint64_t>(*samples);
    Stats s;
    const IoCounters io0 = ReadIo();
    for (const auto& body : bodies) RunBatch(p, body, false, s);
    const IoCounters io1 = ReadIo();
    const double mib = 1024.0 * 1024.0 * static_cast<double>(s.batches);
    const double written_mib = static_cast<double>(io1.wchar - io0.wchar) / mib;
    const double read_mib = static_cast<double>(io1.rchar - io0.rchar) / mib;
    const std::int64_t at = stored;
    stored += s.accepted;
    rejected += s.rejected;
    std::vector<double> store_ms = s.store_ms;
    std::vector<double> batch_ms = s.batch_ms;
    const double store_p50 = Percentile(store_ms, 50);
    const double store_max = store_ms.empty() ? 0 : store_ms.back();
    const double store_mean =
        static_cast<double>(s.store_ns) / 1e6 / static_cast<double>(s.batches);
    const double batch_p50 = Percentile(batch_ms, 50);
    std::vector<double> no_checkpoint = s.store_ms_no_checkpoint;
    std::sort(no_checkpoint.begin(), no_checkpoint.end());
    const double no_checkpoint_max = no_checkpoint.empty() ? 0 : no_checkpoint.back();
    const double db_mib =
        static_cast<double>(FileBytes(db_path) + FileBytes(db_path + "-wal")) / (1024.0 * 1024.0);
    std::fprintf(stderr,
                 "%10lld %12.1f %12.1f %12.1f %13.2f %13.2f %14.1f %12.0f %10.1f %10.1f %8.0f\n",
                 static_cast<long long>(at), store_p50, store_mean, store_max,
                 PerLeadUs(s.store_ns, s.leads_sent), PerLeadUs(s.store_cpu_ns, s.leads_sent),
                 batch_p50, preload_rate, written_mib, read_mib, db_mib);
    if (!rows.empty()) rows += ",";
    rows += JsonObject()
                .Int("stored", at)
                .Num("store_batch_p50_ms", store_p50, 2)
                .Num("store_batch_mean_ms", store_mean, 2)
                .Num("store_batch_max_ms", store_max, 2)
                .Num("store_us_per_lead", PerLeadUs(s.store_ns, s.leads_sent), 2)
                .Num("store_cpu_us_per_lead", PerLeadUs(s.store_cpu_ns, s.leads_sent), 2)
                .Num("decode_us_per_lead", PerLeadUs(s.decode_ns, s.leads_sent), 2)
                .Num("validate_us_per_lead",
                     PerLeadUs(s.ingest_ns - s.wait_ns - s.store_ns, s.leads_sent), 2)
                .Num("validate_cpu_us_per_lead",
                     PerLeadUs(s.ingest_cpu_ns - s.store_cpu_ns, s.leads_sent), 2)
                .Num("batch_p50_ms", batch_p50, 2)
                .Num("preload_leads_per_s", preload_rate, 0)
                .Int("checkpoint_batches", static_cast<std::int64_t>(s.store_ms_checkpoint.size()))
                .Num("store_batch_max_ms_no_checkpoint", no_checkpoint_max, 2)
                .Num("written_mib_per_batch", written_mib, 2)
                .Num("read_mib_per_batch", read_mib, 2)
                .Num("db_mib", db_mib, 1)
                .str();
  }
  const double total_s = static_cast<double>(NsSince(start)) / 1e9;
  std::fprintf(stderr, "floor: grow done in %.0f s, %lld leads stored, %lld rejected\n", total_s,
               static_cast<long long>(stored), static_cast<long long>(rejected));
  if (flags.Has("json")) {
    std::printf(
        "{\"mode\":\"grow\",\"sync\":\"%s\",\"samples\":%lld,\"stored\":%lld,"
        "\"rejected\":%lld,\"total_s\":%.1f,\"rows\":[%s]}\n",
        sync.c_str(), static_cast<long long>(*samples), static_cast<long long>(stored),
        static_cast<long long>(rejected), total_s, rows.c_str());
  }
  return rejected == 0 ? 0 : 1;
}

int RunPreload(const app::Flags& flags, const std::string& db_path) {
  auto leads = flags.GetInt("preload", 1000000, 1, 100000000);
  auto threads = flags.GetInt("threads", 2, 1, 64);
  auto groups = flags.GetInt("groups", 1000, 1, 100000000);
  auto sample = flags.GetInt("sample", 10000, 1, 10000000);
  const std::string sample_file = flags.GetOr("sample-file", "");
  if (!leads || !threads || !groups || !sample || sample_file.empty()) {
    std::fprintf(stderr, "floor: --preload needs --sample-file, and sane numbers\n");
    return 2;
  }
  constexpr std::size_t kPerRequest = 1000;
  const std::string sync = flags.GetOr("sync", "normal");
  auto pipeline = MakePipeline(db_path, sync, kPerRequest, static_cast<std::uint64_t>(*groups));
  if (!pipeline) {
    std::fprintf(stderr, "floor: %s\n", pipeline.error().ToString().c_str());
    return 1;
  }
  Pipeline& p = **pipeline;
  const std::uint64_t batches =
      (static_cast<std::uint64_t>(*leads) + kPerRequest - 1) / kPerRequest;
  const std::uint64_t total = batches * kPerRequest;
  // A few more than asked for on average; trimmed below.
  p.sample_every = std::max<std::uint64_t>(1, total / static_cast<std::uint64_t>(*sample) * 9 / 10);
  const auto start = SteadyClock::now();
  double wall = 0;
  Stats s;
  {
    ChunkRunner runner(p, static_cast<int>(*threads), kPerRequest, false);
    wall = runner.Run(0, batches);
    s = runner.Collect();
  }
  const double run_s = static_cast<double>(NsSince(start)) / 1e9;
  // Shuffled (deterministically) and trimmed to --sample lines.
  std::vector<std::string>& lines = s.samples;
  for (std::size_t i = lines.size(); i > 1; --i) {
    std::swap(lines[i - 1], lines[Mix(i) % i]);
  }
  if (lines.size() > static_cast<std::size_t>(*sample)) {
    lines.resize(static_cast<std::size_t>(*sample));
  }
  std::FILE* f = std::fopen(sample_file.c_str(), "w");
  if (f == nullptr) {
    std::perror(sample_file.c_str());
    return 1;
  }
  for (const auto& line : lines) std::fprintf(f, "%s\n", line.c_str());
  if (std::fclose(f) != 0) {
    std::perror(sample_file.c_str());
    return 1;
  }
  const double db_mib =
      static_cast<double>(FileBytes(db_path) + FileBytes(db_path + "-wal")) / (1024.0 * 1024.0);
  std::fprintf(stderr,
               "floor: preloaded %lld leads (%lld rejected, %lld failed batches) in %.1f s "
               "(%.0f leads/s timed, %lld threads, synchronous=%s); %zu samples; %.0f MiB\n",
               static_cast<long long>(s.accepted), static_cast<long long>(s.rejected),
               static_cast<long long>(s.failures), run_s,
               wall > 0 ? static_cast<double>(s.accepted) / wall : 0,
               static_cast<long long>(*threads), sync.c_str(), lines.size(), db_mib);
  if (flags.Has("json")) {
    JsonObject out;
    out.Str("mode", "preload")
        .Str("project_id", p.db.project.id)
        .Str("process_id", p.db.process.id)
        .Str("api_key", p.db.api_key)
        .Int("groups", *groups)
        .Int("stored", s.accepted)
        .Int("rejected", s.rejected)
        .Int("failures", s.failures)
        .Int("samples", static_cast<std::int64_t>(lines.size()))
        .Int("threads", *threads)
        .Str("sync", sync)
        .Num("preload_s", run_s, 1)
        .Num("leads_per_s", wall > 0 ? static_cast<double>(s.accepted) / wall : 0, 0)
        .Num("db_mib", db_mib, 1);
    std::printf("%s\n", out.str().c_str());
  }
  return s.rejected == 0 && s.failures == 0 && !lines.empty() ? 0 : 1;
}

int VerifyPhones(long long count) {
  core::PhoneNumbers phones;
  LeadGenerator gen("p", "q");
  const auto failures = gen.VerifyPhones(phones, static_cast<std::uint64_t>(count), 10000000);
  for (const auto& f : failures) std::fprintf(stderr, "%s\n", f.c_str());
  std::fprintf(stderr, "verify-phones: %zu failures\n", failures.size());
  return failures.empty() ? 0 : 1;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = app::Flags::Parse(
      args,
      {"db", "threads", "batches", "seconds", "leads-per-request", "sync", "checkpoints", "samples",
       "verify-phones", "preload", "groups", "sample", "sample-file"},
      {"json", "grow", "handler-work"});
  if (!flags) {
    std::fprintf(stderr, "floor: %s\n", flags.error().message.c_str());
    return 2;
  }
  if (flags->Has("verify-phones")) {
    auto n = flags->GetInt("verify-phones", 1000, 0, 100000000);
    if (!n) return 2;
    return VerifyPhones(*n);
  }
  std::string dir;
  std::string db_path = flags->GetOr("db", "");
  if (db_path.empty()) {
    dir = MakeTempDir("leadgate-floor");
    db_path = dir + "/floor.db";
  } else if (std::filesystem::exists(db_path)) {
    std::fprintf(stderr, "floor: %s exists; the floor needs a fresh file\n", db_path.c_str());
    return 2;
  }
  const int rc = flags->Has("preload") ? RunPreload(*flags, db_path)
                 : flags->Has("grow")  ? RunGrow(*flags, db_path)
                                       : RunFloor(*flags, db_path);
  if (!dir.empty()) RemoveTree(dir);
  return rc;
}

}  // namespace
}  // namespace leadgate::bench

int main(int argc, char** argv) { return leadgate::bench::Main(argc, argv); }

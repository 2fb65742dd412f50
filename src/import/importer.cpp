#include "import/importer.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "import/bulk_answer.hpp"
#include "import/pacer.hpp"
#include "import/results_writer.hpp"

namespace leadgate::import {

std::string BulkTarget(bool dry_run) {
  return dry_run ? "/api/v1/leads/bulk/initiate?dryRun=true" : "/api/v1/leads/bulk/initiate";
}

std::string NormalizeBaseUrl(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  if (url.ends_with("/api/v1")) url.resize(url.size() - 7);
  while (url.ends_with('/')) url.pop_back();
  return url;
}

namespace {

using SteadyClock = std::chrono::steady_clock;

std::vector<RowResult> FailRows(const Chunk& chunk, const std::string& code,
                                const std::string& message) {
  std::vector<RowResult> rows;
  rows.reserve(chunk.sent.size());
  for (const auto& s : chunk.sent) {
    rows.push_back(RowResult{s.row, s.line, RowStatus::kFailed, "", code, message});
  }
  return rows;
}

class Run {
 public:
  Run(RecordSource& source, const LeadEncoder& encoder, ImportOptions options, ImportEnv env,
      std::ostream& results)
      : source_(source),
        encoder_(encoder),
        options_(std::move(options)),
        env_(std::move(env)),
        writer_(results),
        pacer_(static_cast<long long>(options_.concurrency)) {
    options_.concurrency = std::max<std::size_t>(options_.concurrency, 1);
    options_.chunk.target = BulkTarget(options_.dry_run);
    url_ = NormalizeBaseUrl(options_.url) + options_.chunk.target;
    if (!env_.uniform01) {
      env_.uniform01 = [this] {
        std::lock_guard lock(rng_mu_);
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
      };
    }
  }

  ImportSummary Go() {
    start_ = SteadyClock::now();
    if (!options_.checkpoint_path.empty()) {
      auto loaded = LoadCheckpoint(options_.checkpoint_path);
      if (!loaded) return Fail("checkpoint", loaded.error().message);
      resumed_ = std::move(*loaded);
      auto opened = CheckpointWriter::Open(options_.checkpoint_path);
      if (!opened) return Fail("checkpoint", opened.error().message);
      checkpoint_.emplace(std::move(*opened));
    }
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < options_.concurrency; ++i) {
      workers.emplace_back([this] { Work(); });
    }
    std::thread ticker([this] { Tick(); });

    Produce();
    {
      std::lock_guard lock(mu_);
      producing_done_ = true;
    }
    queue_cv_.notify_all();
    for (auto& w : workers) w.join();
    {
      std::lock_guard lock(mu_);
      ticker_stop_ = true;
    }
    tick_cv_.notify_all();
    ticker.join();

    ImportSummary summary;
    {
      std::lock_guard lock(mu_);
      summary.stopped = stopped_;
      summary.stop_code = stop_code_;
      summary.stop_message = stop_message_;
      summary.blocked_for = blocked_for_;
      if (!writer_.ok() && !summary.stopped) {
        summary.stopped = true;
        summary.stop_code = "results";
        summary.stop_message = "cannot write the results file";
      }
    }
    writer_.Flush();
    summary.progress = Snapshot();
    if (env_.progress) env_.progress(summary.progress, true);
    return summary;
  }

 private:
  ImportSummary Fail(std::string code, std::string message) {
    ImportSummary s;
    s.stopped = true;
    s.stop_code = std::move(code);
    s.stop_message = std::move(message);
    return s;
  }

  void Produce() {
    Chunker chunker(encoder_, options_.chunk);
    while (!stopping_.load()) {
      if (Interrupted()) break;
      auto record = source_.Next();
      if (!record) break;
      rows_read_.fetch_add(1, std::memory_order_relaxed);
      if (auto chunk = chunker.Add(*record)) Dispatch(std::move(*chunk));
      bytes_read_.store(source_.position(), std::memory_order_relaxed);
    }
    // Also after a stop: the rows read so far are reported (as not sent).
    if (auto chunk = chunker.Finish()) Dispatch(std::move(*chunk));
  }

  // Completes a chunk at once when nothing is to be sent or its answer is in the checkpoint;
  // queues it for a worker otherwise (waiting while the queue is full).
  void Dispatch(Chunk chunk) {
    if (chunk.sent.empty()) {
      Complete(chunk, {}, false);
      return;
    }
    if (auto it = resumed_.find(chunk.key);
        it != resumed_.end() && it->second.size() == chunk.sent.size()) {
      bool same_rows = true;
      for (std::size_t i = 0; i < chunk.sent.size(); ++i) {
        same_rows = same_rows && it->second[i].row == chunk.sent[i].row;
      }
      if (same_rows) {
        chunks_resumed_.fetch_add(1, std::memory_order_relaxed);
        Complete(chunk, it->second, false);
        return;
      }
    }
    std::unique_lock lock(mu_);
    queue_cv_.wait(lock, [&] { return queue_.size() < 2 * options_.concurrency; });
    queue_.push_back(std::move(chunk));
    lock.unlock();
    queue_cv_.notify_all();
  }

  void Work() {
    auto transport = env_.make_transport();
    for (;;) {
      Chunk chunk;
      {
        std::unique_lock lock(mu_);
        queue_cv_.wait(lock, [&] { return !queue_.empty() || producing_done_; });
        if (queue_.empty()) return;
        chunk = std::move(queue_.front());
        queue_.pop_front();
      }
      queue_cv_.notify_all();
      Send(*transport, chunk);
    }
  }

  void Send(HttpTransport& transport, const Chunk& chunk) {
    const HttpHeaders headers = {{"Authorization", "Bearer " + options_.token},
                                 {"Content-Type", "application/json"},
                                 {"Idempotency-Key", chunk.key}};
    AttemptCounts counts;
    for (;;) {
      if (stopping_.load() || Interrupted()) {
        Complete(chunk, FailRows(chunk, "not_sent", "not sent: the import stopped"), false);
        return;
      }
      const auto slot = pacer_.Reserve(SteadyClock::now());
      const auto now = SteadyClock::now();
      if (slot > now) {
        Sleep(std::chrono::ceil<std::chrono::milliseconds>(slot - now));
      }
      const HttpAnswer answer = transport.Post(url_, headers, chunk.body);
      if (!answer.network_error) {
        pacer_.Observe(answer.ratelimit, answer.ratelimit_policy, SteadyClock::now());
      }
      const Decision d = Decide(answer, counts, options_.retry, env_.uniform01);
      switch (d.verdict) {
        case Verdict::kDone: {
          auto rows = InterpretBulkAnswer(answer.body, chunk.sent, options_.dry_run);
          if (!rows) {
            Complete(chunk, FailRows(chunk, "bad_answer", rows.error().message), false);
          } else {
            chunks_sent_.fetch_add(1, std::memory_order_relaxed);
            Complete(chunk, std::move(*rows), true);
          }
          return;
        }
        case Verdict::kRetry:
          retries_.fetch_add(1, std::memory_order_relaxed);
          if (d.code == "http_429") {
            ++counts.rate_limited;
          } else {
            ++counts.failures;
          }
          Sleep(d.delay);
          continue;
        case Verdict::kFailChunk:
          Complete(chunk, FailRows(chunk, d.code, d.reason), false);
          return;
        case Verdict::kStop:
          StopAll(d.code, d.reason, d.blocked_for);
          Complete(chunk, FailRows(chunk, d.code, d.reason), false);
          return;
      }
    }
  }

  void StopAll(const std::string& code, const std::string& message, std::chrono::seconds blocked) {
    {
      std::lock_guard lock(mu_);
      if (!stopped_) {
        stopped_ = true;
        stop_code_ = code;
        stop_message_ = message;
        blocked_for_ = blocked;
      }
      stopping_.store(true);
    }
    tick_cv_.notify_all();  // wakes workers sleeping before a retry
  }

  void Sleep(std::chrono::milliseconds d) {
    if (d.count() <= 0) return;
    if (env_.sleep) {
      env_.sleep(d);
      return;
    }
    const auto until = SteadyClock::now() + d;
    std::unique_lock lock(mu_);
    tick_cv_.wait_until(lock, until, [&] { return stopping_.load(); });
  }

  // Records a chunk's results: checkpoint first (when `answered` by the server in this run),
  // then the results file in chunk order.
  void Complete(const Chunk& chunk, std::vector<RowResult> sent_results, bool answered) {
    std::vector<RowResult> all = MergeResults(chunk, sent_results);
    std::lock_guard lock(mu_);
    if (answered && checkpoint_) {
      if (auto s = checkpoint_->Append(chunk.key, sent_results); !s && !stopped_) {
        stopped_ = true;
        stop_code_ = "checkpoint";
        stop_message_ = s.error().message;
        stopping_.store(true);
      }
    }
    for (const auto& r : all) {
      switch (r.status) {
        case RowStatus::kCreated:
        case RowStatus::kValid:
          ++created_;
          break;
        case RowStatus::kInvalid:
          ++invalid_;
          break;
        case RowStatus::kDuplicate:
          ++duplicate_;
          break;
        case RowStatus::kFailed:
          ++failed_;
          break;
      }
    }
    if (!sent_results.empty() && Answered(sent_results.front().status)) {
      rows_sent_ += sent_results.size();
    }
    done_.emplace(chunk.index, std::move(all));
    while (!done_.empty() && done_.begin()->first == next_to_write_) {
      writer_.Write(done_.begin()->second);
      done_.erase(done_.begin());
      ++next_to_write_;
    }
  }

  ImportProgress Snapshot() {
    ImportProgress p;
    p.rows_read = rows_read_.load(std::memory_order_relaxed);
    p.bytes_read = bytes_read_.load(std::memory_order_relaxed);
    p.chunks_sent = chunks_sent_.load(std::memory_order_relaxed);
    p.chunks_resumed = chunks_resumed_.load(std::memory_order_relaxed);
    p.retries = retries_.load(std::memory_order_relaxed);
    {
      std::lock_guard lock(mu_);
      p.rows_sent = rows_sent_;
      p.created = created_;
      p.invalid = invalid_;
      p.duplicate = duplicate_;
      p.failed = failed_;
    }
    p.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start_);
    return p;
  }

  // True (and the import stopping) once env_.interrupted says so.
  bool Interrupted() {
    if (!env_.interrupted || !env_.interrupted()) return false;
    StopAll("interrupted", "interrupted", std::chrono::seconds(0));
    return true;
  }

  // Progress every progress_interval; the interruption poll every 100 ms, so that a worker
  // waiting out a long backoff (or the reader waiting for queue space) learns of it promptly.
  void Tick() {
    constexpr std::chrono::milliseconds kPoll{100};
    auto next_progress = SteadyClock::now() + options_.progress_interval;
    std::unique_lock lock(mu_);
    while (!ticker_stop_) {
      tick_cv_.wait_for(lock, std::min(kPoll, options_.progress_interval));
      if (ticker_stop_) break;
      lock.unlock();
      Interrupted();
      if (env_.progress && SteadyClock::now() >= next_progress) {
        env_.progress(Snapshot(), false);
        next_progress = SteadyClock::now() + options_.progress_interval;
      }
      lock.lock();
    }
  }

  RecordSource& source_;
  const LeadEncoder& encoder_;
  ImportOptions options_;
  ImportEnv env_;
  ResultsWriter writer_;
  Pacer pacer_;
  std::string url_;
  CheckpointMap resumed_;
  std::optional<CheckpointWriter> checkpoint_;
  SteadyClock::time_point start_;

  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};

  std::mutex mu_;  // everything below, and the results writer and checkpoint
  std::condition_variable queue_cv_;
  std::condition_variable tick_cv_;  // ticker and sleeps; woken at stop
  std::deque<Chunk> queue_;
  bool producing_done_ = false;
  bool ticker_stop_ = false;
  bool stopped_ = false;
  std::string stop_code_;
  std::string stop_message_;
  std::chrono::seconds blocked_for_{0};
  std::map<std::size_t, std::vector<RowResult>> done_;
  std::size_t next_to_write_ = 0;
  std::uint64_t rows_sent_ = 0;
  std::uint64_t created_ = 0;
  std::uint64_t invalid_ = 0;
  std::uint64_t duplicate_ = 0;
  std::uint64_t failed_ = 0;

  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> rows_read_{0};
  std::atomic<std::uint64_t> bytes_read_{0};
  std::atomic<std::uint64_t> chunks_sent_{0};
  std::atomic<std::uint64_t> chunks_resumed_{0};
  std::atomic<std::uint64_t> retries_{0};
};

}  // namespace

ImportSummary RunImport(RecordSource& source, const LeadEncoder& encoder, ImportOptions options,
                        ImportEnv env, std::ostream& results) {
  Run run(source, encoder, std::move(options), std::move(env), results);
  return run.Go();
}

}  // namespace leadgate::import

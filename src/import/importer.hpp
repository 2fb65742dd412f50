// File: importer.hpp
//
// The driver of `leadgate import`: reads records, cuts chunks, sends them with bounded
// concurrency through an injected HTTP transport following the retry rules (retry_policy.hpp)
// and the server's RateLimit headers (pacer.hpp), records every answered chunk in the
// checkpoint, and writes the results file in input order.
//
// Threads: the calling thread reads and cuts chunks (at most 2 x concurrency chunks wait to be
// sent, so memory stays bounded for any file size); `concurrency` workers send, each with its
// own transport (one keep-alive connection each); a ticker thread reports progress. Completed
// chunks are checkpointed as they arrive and written to the results file in chunk order.
//
// Resume: a chunk whose Idempotency-Key is in the checkpoint is not sent; its recorded results
// are used. A stop (401/403/404, a blocked key) ends reading at once; chunks already cut but not
// answered are reported as `failed` (code `not_sent`), so the results file covers every row read.
//
//   ImportSummary s = RunImport(*source, encoder, options, env, results_stream);
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "import/checkpoint.hpp"
#include "import/chunker.hpp"
#include "import/column_map.hpp"
#include "import/record_source.hpp"
#include "import/retry_policy.hpp"

namespace leadgate::import {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One connection's worth of HTTP. Used by one thread at a time.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // POSTs `body` to `url`. Never throws; a failure without a complete response is
  // HttpAnswer::network_error.
  virtual HttpAnswer Post(const std::string& url, const HttpHeaders& headers,
                          const std::string& body) = 0;
};

struct ImportOptions {
  std::string url;  // base URL: "http://host:port" (a trailing "/" or "/api/v1" is accepted)
  std::string token;
  bool dry_run = false;
  std::size_t concurrency = 2;
  ChunkOptions chunk;  // batch, body cap and init (target is set by RunImport)
  RetryConfig retry;
  std::string checkpoint_path;  // "" = no checkpoint (no resume)
  std::chrono::milliseconds progress_interval{1000};
};

struct ImportProgress {
  std::uint64_t rows_read = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t rows_sent = 0;  // sent rows with an answer (resumed ones included)
  std::uint64_t created = 0;    // created (or valid, in a dry run)
  std::uint64_t invalid = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t failed = 0;
  std::uint64_t chunks_sent = 0;     // chunks answered by the server in this run
  std::uint64_t chunks_resumed = 0;  // chunks taken from the checkpoint
  std::uint64_t retries = 0;
  std::chrono::milliseconds elapsed{0};
};

struct ImportEnv {
  std::function<std::unique_ptr<HttpTransport>()> make_transport;
  // Waits `d` (default: sleeps, waking early when the import stops). Tests inject a fake.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Uniform in [0, 1), thread-safe (default: a seeded generator behind a mutex).
  std::function<double()> uniform01;
  // Called every progress_interval and once at the end (`final`); may be empty.
  std::function<void(const ImportProgress&, bool final)> progress;
  // Polled before each row is read, before each request and every 100 ms (Ctrl-C sets it); may
  // be empty. Once it says true the import stops as on a 401 (code `interrupted`): requests in
  // flight finish and are checkpointed, nothing new is sent, rows read but not answered are
  // `not_sent`.
  std::function<bool()> interrupted;
};

struct ImportSummary {
  ImportProgress progress;
  bool stopped = false;      // the import stopped early (see stop_code / stop_message)
  std::string stop_code;     // http_401 | http_403 | http_404 | key_blocked | interrupted |
                             // checkpoint | results
  std::string stop_message;  // the server's answer, for the user
  std::chrono::seconds blocked_for{0};  // key_blocked: Retry-After
  bool complete() const { return !stopped && progress.failed == 0; }
};

// "/api/v1/leads/bulk/initiate" plus "?dryRun=true" for a dry run.
std::string BulkTarget(bool dry_run);
// The base URL without a trailing "/" or "/api/v1".
std::string NormalizeBaseUrl(std::string url);

// `results` receives the header and one line per row read. `encoder` decides each row's lead.
ImportSummary RunImport(RecordSource& source, const LeadEncoder& encoder, ImportOptions options,
                        ImportEnv env, std::ostream& results);

}  // namespace leadgate::import

#include "import/importer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>

#include "support/test_util.hpp"

namespace leadgate::import {
namespace {

using std::chrono::milliseconds;

struct Request {
  std::string url;
  HttpHeaders headers;
  std::string body;
  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
};

std::size_t CountLeads(const std::string& body) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = body.find("\"projectId\"", pos)) != std::string::npos; ++pos) {
    ++n;
  }
  return n;
}

// 200 with every lead created, ids "<n>" from a counter; leads whose phone is "+dup" come back
// as duplicates of "dup-id".
HttpAnswer Accept(const std::string& body, int& next_id) {
  std::string success;
  std::string errors;
  std::size_t index = 0;
  for (std::size_t pos = 0; (pos = body.find("\"projectId\"", pos)) != std::string::npos;
       ++pos, ++index) {
    const auto end = body.find('}', pos);
    if (body.substr(pos, end - pos).find("\"+dup\"") != std::string::npos) {
      errors += std::string(errors.empty() ? "" : ",") +
                R"({"error":"Lead with phone +1 already exists for this project and process",)"
                R"("code":"duplicate_phone","existingLeadId":"dup-id","index":)" +
                std::to_string(index) + "}";
    } else {
      success += std::string(success.empty() ? "" : ",") + R"({"_id":"id)" +
                 std::to_string(next_id++) + "\"}";
    }
  }
  HttpAnswer a;
  a.status = 200;
  a.body = R"({"success":[)" + success + R"(],"errors":[)" + errors + "]}";
  return a;
}

// A fake server: `script` decides the answer from (chunk key's attempt number, request); by
// default every request is accepted. Thread-safe.
class FakeServer {
 public:
  using Script = std::function<std::optional<HttpAnswer>(int attempt, const Request&)>;
  explicit FakeServer(Script script = {}) : script_(std::move(script)) {}

  HttpAnswer Handle(const Request& r) {
    std::lock_guard lock(mu_);
    requests_.push_back(r);
    const int attempt = ++attempts_[r.Header("Idempotency-Key")];
    if (script_) {
      if (auto a = script_(attempt, r)) return *a;
    }
    // Idempotency: a key answered before gets the same answer.
    auto& stored = answers_[r.Header("Idempotency-Key")];
    if (stored.status == 0) stored = Accept(r.body, next_id_);
    return stored;
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  Script script_;
  std::vector<Request> requests_;
  std::map<std::string, int> attempts_;
  std::map<std::string, HttpAnswer> answers_;
  int next_id_ = 1;
};

class FakeTransport final : public HttpTransport {
 public:
  explicit FakeTransport(FakeServer& server) : server_(server) {}
  HttpAnswer Post(const std::string& url, const HttpHeaders& headers,
                  const std::string& body) override {
    return server_.Handle(Request{url, headers, body});
  }

 private:
  FakeServer& server_;
};

HttpAnswer Answer(int status, std::string body, std::optional<std::string> retry_after = {}) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(body);
  a.retry_after = std::move(retry_after);
  return a;
}

// Rows: phone,name; row 3 has no phone (local), row 5 is a duplicate.
const std::string kCsv = "phone,name\n+11,A\n+12,B\n,C\n+14,D\n+dup,E\n+16,F\n+17,G\n";

struct Outcome {
  ImportSummary summary;
  std::string results;
  std::vector<milliseconds> sleeps;
};

Outcome Import(FakeServer& server, ImportOptions options, const std::string& csv = kCsv,
               std::function<bool()> interrupted = {}) {
  std::istringstream in(csv);
  auto source = OpenRecordSource(InputFormat::kCsv, in);
  EXPECT_TRUE(source.has_value());
  const LeadEncoder encoder(*ColumnMap::Create({}), "p", "q", "", nullptr);
  Outcome out;
  std::mutex mu;
  ImportEnv env;
  env.make_transport = [&] { return std::make_unique<FakeTransport>(server); };
  env.sleep = [&](milliseconds d) {
    std::lock_guard lock(mu);
    out.sleeps.push_back(d);
  };
  env.uniform01 = [] { return 0.5; };
  env.interrupted = std::move(interrupted);
  std::ostringstream results;
  out.summary = RunImport(**source, encoder, std::move(options), env, results);
  out.results = results.str();
  return out;
}

ImportOptions Options(std::size_t batch = 2, std::size_t concurrency = 3) {
  ImportOptions o;
  o.url = "http://lg.test/";
  o.token = "lg_key";
  o.chunk.batch = batch;
  o.concurrency = concurrency;
  return o;
}

TEST(Importer, EveryRowAnsweredInInputOrder) {
  FakeServer server;
  const auto out = Import(server, Options(2, 1));
  EXPECT_TRUE(out.summary.complete());
  EXPECT_EQ(out.results,
            "row,line,status,leadId,code,message\n"
            "1,2,created,id1,,\n"
            "2,3,created,id2,,\n"
            "3,4,invalid,,missing_contact,Either phone or email is required\n"
            "4,5,created,id3,,\n"
            "5,6,duplicate,dup-id,duplicate_phone,Lead with phone +1 already exists for this "
            "project and process\n"
            "6,7,created,id4,,\n"
            "7,8,created,id5,,\n");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);  // duplicates are never resent
  for (const auto& r : requests) {
    EXPECT_EQ(r.url, "http://lg.test/api/v1/leads/bulk/initiate");
    EXPECT_EQ(r.Header("Authorization"), "Bearer lg_key");
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    EXPECT_TRUE(r.Header("Idempotency-Key").starts_with("lgi-"));
    EXPECT_LE(CountLeads(r.body), 2u);
  }
  const auto& p = out.summary.progress;
  EXPECT_EQ(p.rows_read, 7u);
  EXPECT_EQ(p.rows_sent, 6u);
  EXPECT_EQ(p.created, 5u);
  EXPECT_EQ(p.invalid, 1u);
  EXPECT_EQ(p.duplicate, 1u);
  EXPECT_EQ(p.failed, 0u);
  EXPECT_EQ(p.chunks_sent, 3u);
}

TEST(Importer, ConcurrentSendsStillWriteInInputOrder) {
  std::string csv = "phone\n";
  for (int i = 0; i < 500; ++i) csv += "+1" + std::to_string(1000 + i) + "\n";
  FakeServer server;
  const auto out = Import(server, Options(7, 4), csv);
  EXPECT_TRUE(out.summary.complete());
  std::istringstream lines(out.results);
  std::string line;
  std::getline(lines, line);
  for (int row = 1; row <= 500; ++row) {
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_TRUE(
        line.starts_with(std::to_string(row) + "," + std::to_string(row + 1) + ",created,id"))
        << line;
  }
  EXPECT_FALSE(std::getline(lines, line));
  EXPECT_EQ(server.requests().size(), 72u);  // ceil(500 / 7)
}

TEST(Importer, RetriesNetworkErrors5xxAnd409WithBackoffThenSucceeds) {
  FakeServer server([](int attempt, const Request&) -> std::optional<HttpAnswer> {
    if (attempt == 1) {
      HttpAnswer a;
      a.network_error = true;
      a.error = "Connection reset by peer";
      return a;
    }
    if (attempt == 2) return Answer(503, R"({"error":"Service unavailable"})");
    if (attempt == 3) {
      return Answer(409, R"({"error":"A request with this Idempotency-Key is in progress"})");
    }
    return std::nullopt;
  });
  auto options = Options(10, 1);
  options.retry.base = milliseconds(100);
  const auto out = Import(server, options);
  EXPECT_TRUE(out.summary.complete());
  EXPECT_EQ(out.summary.progress.created, 5u);
  EXPECT_EQ(out.summary.progress.retries, 3u);
  // Full jitter with u = 0.5: half of 100, 200, 400 ms.
  EXPECT_EQ(out.sleeps,
            (std::vector<milliseconds>{milliseconds(50), milliseconds(100), milliseconds(200)}));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.body, requests[0].body);  // the same request, the same key
    EXPECT_EQ(r.Header("Idempotency-Key"), requests[0].Header("Idempotency-Key"));
  }
}

TEST(Importer, RateLimitedChunksWaitForRetryAfter) {
  FakeServer server([](int attempt, const Request&) -> std::optional<HttpAnswer> {
    if (attempt == 1) {
      return Answer(429, R"({"success":false,"error":"Rate limit exceeded"})", "2");
    }
    return std::nullopt;
  });
  const auto out = Import(server, Options(10, 1));
  EXPECT_TRUE(out.summary.complete());
  EXPECT_EQ(out.sleeps, (std::vector<milliseconds>{milliseconds(2000)}));
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(Importer, OtherClientErrorsFailTheChunkWithoutRetry) {
  FakeServer server([](int, const Request& r) -> std::optional<HttpAnswer> {
    if (r.body.find("\"+11\"") != std::string::npos) {
      return Answer(413, R"({"error":"Request body too large"})");
    }
    return std::nullopt;
  });
  const auto out = Import(server, Options(2, 2));
  EXPECT_FALSE(out.summary.complete());
  EXPECT_FALSE(out.summary.stopped);
  EXPECT_EQ(out.summary.progress.failed, 2u);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_TRUE(out.results.find("1,2,failed,,http_413,HTTP 413: Request body too large\n"
                               "2,3,failed,,http_413,HTTP 413: Request body too large\n") !=
              std::string::npos)
      << out.results;
  EXPECT_TRUE(out.results.find("4,5,created,") != std::string::npos);
}

TEST(Importer, GivesUpAfterMaxAttempts) {
  FakeServer server([](int, const Request&) -> std::optional<HttpAnswer> {
    return Answer(500, R"({"error":"Internal server error"})");
  });
  auto options = Options(10, 1);
  options.retry.max_attempts = 3;
  const auto out = Import(server, options);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(out.summary.progress.failed, 6u);
  EXPECT_EQ(out.summary.progress.invalid, 1u);
  EXPECT_TRUE(out.results.find("1,2,failed,,http_500,gave up after 3 attempts: HTTP 500: "
                               "Internal server error\n") != std::string::npos)
      << out.results;
}

TEST(Importer, UnauthorizedStopsTheImportAtOnce) {
  FakeServer server([](int, const Request&) -> std::optional<HttpAnswer> {
    return Answer(401, R"({"error":"Invalid or missing API token"})");
  });
  const auto out = Import(server, Options(2, 1));
  EXPECT_TRUE(out.summary.stopped);
  EXPECT_EQ(out.summary.stop_code, "http_401");
  EXPECT_EQ(out.summary.stop_message, "HTTP 401: Invalid or missing API token");
  EXPECT_EQ(server.requests().size(), 1u);
  // Every row read is in the results: the first chunk's rows with the 401, a row that fails
  // locally as invalid, and the rows read but never sent as not_sent. How far the reader got
  // before the stop depends on thread timing, so the rows are counted rather than assumed.
  ASSERT_TRUE(
      out.results.starts_with("row,line,status,leadId,code,message\n"
                              "1,2,failed,,http_401,HTTP 401: Invalid or missing API "
                              "token\n"))
      << out.results;
  std::size_t rows = 0;
  std::size_t at = out.results.find('\n') + 1;
  while (at < out.results.size()) {
    const std::size_t end = out.results.find('\n', at);
    ASSERT_NE(end, std::string::npos) << out.results;
    const std::string line = out.results.substr(at, end - at);
    EXPECT_TRUE(line.find(",failed,,http_401,") != std::string::npos ||
                line.find(",invalid,,missing_contact,") != std::string::npos ||
                line.find(",failed,,not_sent,not sent: the import stopped") != std::string::npos)
        << line;
    ++rows;
    at = end + 1;
  }
  EXPECT_EQ(rows, out.summary.progress.rows_read);
}

TEST(Importer, AnInterruptionStopsCleanlyAndTheRerunResumesWhereItStopped) {
  testing::TempDir dir;
  auto options = Options(2, 1);
  options.checkpoint_path = (dir.path() / "results.csv.checkpoint").string();
  // Ctrl-C arrives while the first chunk is on the wire: its answer still counts.
  std::atomic<bool> interrupted{false};
  FakeServer server([&](int, const Request&) -> std::optional<HttpAnswer> {
    interrupted = true;
    return std::nullopt;
  });
  const auto first = Import(server, options, kCsv, [&] { return interrupted.load(); });
  EXPECT_TRUE(first.summary.stopped);
  EXPECT_EQ(first.summary.stop_code, "interrupted");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(
      first.results.starts_with("row,line,status,leadId,code,message\n"
                                "1,2,created,id1,,\n"
                                "2,3,created,id2,,\n"))
      << first.results;
  EXPECT_EQ(first.results.find("id3"), std::string::npos) << first.results;

  // The re-run sends everything but the answered chunk, and ends complete.
  FakeServer healthy;
  const auto second = Import(healthy, options);
  EXPECT_TRUE(second.summary.complete());
  EXPECT_EQ(second.summary.progress.chunks_resumed, 1u);
  for (const auto& r : healthy.requests()) {
    EXPECT_EQ(r.body.find("\"+11\""), std::string::npos);
    EXPECT_EQ(r.body.find("\"+12\""), std::string::npos);
  }
  EXPECT_EQ(second.summary.progress.created + second.summary.progress.invalid +
                second.summary.progress.duplicate,
            7u);
}

TEST(Importer, BlockedKeyStopsWithTheBlockTime) {
  FakeServer server([](int, const Request&) -> std::optional<HttpAnswer> {
    return Answer(429,
                  R"({"success":false,"error":"API key temporarily blocked due to repeated )"
                  R"(duplicate submissions"})",
                  "1800");
  });
  const auto out = Import(server, Options(2, 1));
  EXPECT_TRUE(out.summary.stopped);
  EXPECT_EQ(out.summary.stop_code, "key_blocked");
  EXPECT_EQ(out.summary.blocked_for, std::chrono::seconds(1800));
  EXPECT_TRUE(out.sleeps.empty());
}

TEST(Importer, ResumeSkipsAnsweredChunksAndGivesTheSameResults) {
  testing::TempDir dir;
  FakeServer reference_server;
  const auto reference = Import(reference_server, Options(2, 1));

  // First run: the chunk with row 4 never gets through.
  auto options = Options(2, 2);
  options.checkpoint_path = (dir.path() / "results.csv.checkpoint").string();
  options.retry.max_attempts = 2;
  FakeServer server([](int, const Request& r) -> std::optional<HttpAnswer> {
    if (r.body.find("\"+14\"") != std::string::npos) return Answer(502, "");
    return std::nullopt;
  });
  const auto first = Import(server, options);
  EXPECT_FALSE(first.summary.complete());
  EXPECT_EQ(first.summary.progress.failed, 2u);

  // Second run against the same (idempotent) server: only the failed chunk is sent.
  FakeServer healthy;
  const auto second = Import(healthy, options);
  EXPECT_TRUE(second.summary.complete());
  EXPECT_EQ(second.summary.progress.chunks_resumed, 2u);
  EXPECT_EQ(second.summary.progress.chunks_sent, 1u);
  ASSERT_EQ(healthy.requests().size(), 1u);
  EXPECT_NE(healthy.requests()[0].body.find("\"+14\""), std::string::npos);
  // Same statuses as an uninterrupted run (lead ids differ between the fake servers).
  auto statuses = [](const std::string& results) {
    std::string out;
    std::istringstream in(results);
    std::string line;
    while (std::getline(in, line)) {
      const auto a = line.find(',', line.find(',') + 1);
      out += line.substr(0, line.find(',', a + 1)) + "\n";
    }
    return out;
  };
  EXPECT_EQ(statuses(second.results), statuses(reference.results));
  // A third run sends nothing and writes the same file.
  FakeServer idle;
  const auto third = Import(idle, options);
  EXPECT_TRUE(third.summary.complete());
  EXPECT_TRUE(idle.requests().empty());
  EXPECT_EQ(third.results, second.results);
}

TEST(Importer, DryRunUsesItsOwnTargetAndStatus) {
  FakeServer server;
  auto options = Options(10, 1);
  options.dry_run = true;
  const auto out = Import(server, options);
  EXPECT_TRUE(out.summary.complete());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].url, "http://lg.test/api/v1/leads/bulk/initiate?dryRun=true");
  EXPECT_NE(out.results.find("1,2,valid,id1,,\n"), std::string::npos);
}

TEST(Importer, NormalizeBaseUrl) {
  EXPECT_EQ(NormalizeBaseUrl("http://h:1"), "http://h:1");
  EXPECT_EQ(NormalizeBaseUrl("http://h:1/"), "http://h:1");
  EXPECT_EQ(NormalizeBaseUrl("https://h/api/v1/"), "https://h");
  EXPECT_EQ(NormalizeBaseUrl("https://h/prefix"), "https://h/prefix");
}

}  // namespace
}  // namespace leadgate::import

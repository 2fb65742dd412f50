// leadgate_readgen: drives a running `leadgate serve` on 127.0.0.1 with lead reads.
//
//   leadgate_readgen --port P --key API_KEY --project ID --process ID --samples FILE
//                    --mode get-id|get-ref|query [--groups 1000] [--pages 1|2]
//                    [--connections 4] [--seconds 10] [--warmup-seconds 1] [--json]
//
// --samples is the file `leadgate_floor --preload` writes: one stored lead per line,
// "id<TAB>referenceId<TAB>groupId". Each connection is one thread with one keep-alive HTTP/1.1
// connection (Boost.Beast, blocking) and its own random sequence; in a closed loop it sends
//   get-id   GET /api/v1/leads/get?leadId=<a random sampled id>
//   get-ref  GET /api/v1/leads/get?referenceId=<a random sampled referenceId>&projectId=&processId=
//   query    POST /api/v1/leads/query {"groupId":"group-<random in [0, --groups)>","limit":100}
//            and with --pages 2 then the next page with the returned nextCursor (timed apart).
// Every response is checked: HTTP 200, `success` true, and for a get the lead with the asked id
// (and referenceId); for a query page exactly 100 leads, all of the asked group, newest first, a
// non-null nextCursor, and on page 2 none of page 1's leads. Anything else counts as an error.
// Latency is from the first byte written to the last byte read; requests that start in the first
// --warmup-seconds (cold caches) are checked but not timed or counted in the rates.
//
// Bounded: only 127.0.0.1 is ever contacted; no request starts after --warmup-seconds + --seconds
// (each max 3600), and every socket read/write gives up after 60 s. Output: a human summary on
// stderr, and with --json one JSON object on stdout. Exit code 1 if any request failed.
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "app/flags.hpp"
#include "bench_env.hpp"
#include "lead_generator.hpp"

namespace leadgate::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr int kSocketTimeoutSeconds = 60;
constexpr std::size_t kPageSize = 100;

enum class Mode { kGetId, kGetRef, kQuery };

struct Sample {
  std::string id;
  std::string reference_id;
};

struct Config {
  unsigned short port = 0;
  std::string key;
  std::string project;
  std::string process;
  Mode mode = Mode::kGetId;
  std::uint64_t groups = 1000;
  int pages = 1;
  int connections = 4;
};

struct ConnStats {
  std::int64_t requests = 0;  // timed (after the warm-up)
  std::int64_t ok = 0;        // timed, 200 and checked
  std::int64_t warmup_requests = 0;
  std::map<int, std::int64_t> by_status;  // every request, warm-up included
  std::int64_t transport_errors = 0;
  std::int64_t bad_responses = 0;  // 200 whose body failed the checks (warm-up included)
  std::int64_t response_bytes = 0;
  std::vector<double> latency_ms;        // gets, or query page 1
  std::vector<double> page2_latency_ms;  // query page 2
  std::string first_error;
};

void SetTimeouts(tcp::socket& socket) {
  const timeval tv{kSocketTimeoutSeconds, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// Checks a leads/get 200 body: the lead asked for. Empty string: fine; else what is wrong.
std::string CheckGet(simdjson::dom::parser& parser, const std::string& body, const Sample& want) {
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return "body is not JSON";
  bool success = false;
  if (doc["success"].get_bool().get(success) || !success) return "success is not true";
  std::string_view id;
  if (doc["data"]["_id"].get_string().get(id)) return "no data._id";
  if (id != want.id) return "data._id " + std::string(id) + " != " + want.id;
  std::string_view reference;
  if (doc["data"]["referenceId"].get_string().get(reference) || reference != want.reference_id) {
    return "data.referenceId is not " + want.reference_id;
  }
  return {};
}

// Checks a leads/query 200 body: a full page of `group`, newest first, with a next cursor;
// collects the ids (into `ids`, which must not already hold any of them) and the cursor.
std::string CheckPage(simdjson::dom::parser& parser, const std::string& body,
                      std::string_view group, std::unordered_set<std::string>& ids,
                      std::string& cursor) {
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return "body is not JSON";
  bool success = false;
  if (doc["success"].get_bool().get(success) || !success) return "success is not true";
  simdjson::dom::array data;
  if (doc["data"].get_array().get(data)) return "no data array";
  if (data.size() != kPageSize) return "page of " + std::to_string(data.size()) + " leads";
  std::string previous_created;
  for (simdjson::dom::element lead : data) {
    std::string_view id;
    std::string_view g;
    std::string_view created;
    if (lead["_id"].get_string().get(id) || lead["groupId"].get_string().get(g) ||
        lead["createdAt"].get_string().get(created)) {
      return "a lead without _id, groupId or createdAt";
    }
    if (g != group)
      return "a lead of group " + std::string(g) + " in a query for " + std::string(group);
    // ISO 8601 UTC timestamps of one format compare as strings.
    if (!previous_created.empty() && created > previous_created) return "page not newest first";
    previous_created = std::string(created);
    if (!ids.insert(std::string(id)).second) return "lead " + std::string(id) + " returned twice";
  }
  std::string_view next;
  if (doc["nextCursor"].get_string().get(next) || next.empty()) return "nextCursor is not a string";
  cursor = std::string(next);
  return {};
}

class Connection {
 public:
  Connection(const Config& config, ConnStats& s) : config_(config), s_(s), socket_(ioc_) {}

  bool Open() {
    boost::system::error_code ec;
    socket_.connect(tcp::endpoint(net::ip::address_v4::loopback(), config_.port), ec);
    if (ec) {
      ++s_.transport_errors;
      s_.first_error = "connect: " + ec.message();
      return false;
    }
    socket_.set_option(tcp::no_delay(true));
    SetTimeouts(socket_);
    host_ = "127.0.0.1:" + std::to_string(config_.port);
    auth_ = "Bearer " + config_.key;
    return true;
  }

  // Sends one request and reads its response. False on a transport error (connection unusable).
  bool Exchange(http::verb verb, const std::string& target, std::string body,
                http::response<http::string_body>& res, double& ms) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::authorization, auth_);
    req.set(http::field::user_agent, "leadgate-readgen");
    if (verb == http::verb::post) req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    boost::system::error_code ec;
    const auto t0 = SteadyClock::now();
    http::write(socket_, req, ec);
    if (!ec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(std::uint64_t{1} << 30);
      http::read(socket_, buffer_, parser, ec);
      if (!ec) res = parser.release();
    }
    ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
    if (ec) {
      ++s_.transport_errors;
      if (s_.first_error.empty()) s_.first_error = target + ": " + ec.message();
      return false;
    }
    s_.response_bytes += static_cast<std::int64_t>(res.body().size());
    ++s_.by_status[static_cast<int>(res.result_int())];
    return true;
  }

  // Records one checked response; false if the connection cannot go on.
  bool Record(const http::response<http::string_body>& res, const std::string& what,
              const std::string& problem, bool timed, double ms, std::vector<double>& latency) {
    if (timed)
      ++s_.requests;
    else
      ++s_.warmup_requests;
    const int status = static_cast<int>(res.result_int());
    if (status != 200) {
      if (s_.first_error.empty()) {
        s_.first_error =
            what + ": HTTP " + std::to_string(status) + " " + res.body().substr(0, 200);
      }
    } else if (!problem.empty()) {
      ++s_.bad_responses;
      if (s_.first_error.empty()) s_.first_error = what + ": " + problem;
    } else if (timed) {
      ++s_.ok;
      latency.push_back(ms);
    }
    return res.keep_alive();
  }

  simdjson::dom::parser& parser() { return parser_; }

 private:
  const Config& config_;
  ConnStats& s_;
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  simdjson::dom::parser parser_;
  std::string host_;
  std::string auth_;
};

void RunConnection(const Config& config, const std::vector<Sample>& samples, int index,
                   SteadyClock::time_point timed_from, SteadyClock::time_point deadline,
                   ConnStats& s) {
  Connection conn(config, s);
  if (!conn.Open()) return;
  std::mt19937_64 rng(0x5eedULL * static_cast<std::uint64_t>(index + 1) +
                      static_cast<std::uint64_t>(config.mode));
  const std::string get_target = "/api/v1/leads/get?";
  const std::string ref_suffix =
      "&projectId=" + PercentEncode(config.project) + "&processId=" + PercentEncode(config.process);
  http::response<http::string_body> res;
  for (auto now = SteadyClock::now(); now < deadline; now = SteadyClock::now()) {
    const bool timed = now >= timed_from;
    double ms = 0;
    if (config.mode == Mode::kGetId || config.mode == Mode::kGetRef) {
      const Sample& want = samples[rng() % samples.size()];
      const std::string target =
          config.mode == Mode::kGetId
              ? get_target + "leadId=" + PercentEncode(want.id)
              : get_target + "referenceId=" + PercentEncode(want.reference_id) + ref_suffix;
      if (!conn.Exchange(http::verb::get, target, {}, res, ms)) return;
      const std::string problem =
          res.result_int() == 200 ? CheckGet(conn.parser(), res.body(), want) : std::string();
      if (!conn.Record(res, target, problem, timed, ms, s.latency_ms)) return;
      continue;
    }
    const std::string group = LeadGenerator::GroupId(rng() % config.groups);
    std::unordered_set<std::string> ids;
    std::string cursor;
    const std::string first = R"({"groupId":")" + group + R"(","limit":100})";
    if (!conn.Exchange(http::verb::post, "/api/v1/leads/query", first, res, ms)) return;
    std::string problem;
    if (res.result_int() == 200) problem = CheckPage(conn.parser(), res.body(), group, ids, cursor);
    if (!conn.Record(res, "query " + group, problem, timed, ms, s.latency_ms)) return;
    if (config.pages < 2 || res.result_int() != 200 || !problem.empty()) continue;
    std::string next_body = R"({"groupId":")" + group + R"(","limit":100,"cursor":)";
    AppendJsonString(cursor, next_body);
    next_body += "}";
    if (!conn.Exchange(http::verb::post, "/api/v1/leads/query", std::move(next_body), res, ms)) {
      return;
    }
    std::string next_cursor;
    problem.clear();
    if (res.result_int() == 200) {
      problem = CheckPage(conn.parser(), res.body(), group, ids, next_cursor);
    }
    if (!conn.Record(res, "query " + group + " page 2", problem, timed, ms, s.page2_latency_ms)) {
      return;
    }
  }
}

std::string StatusJson(const std::map<int, std::int64_t>& statuses) {
  std::string out = "{";
  for (const auto& [status, n] : statuses) {
    if (out.size() > 1) out += ",";
    out += "\"" + std::to_string(status) + "\":" + std::to_string(n);
  }
  return out + "}";
}

std::vector<Sample> ReadSamples(const std::string& path) {
  std::vector<Sample> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const auto tab2 = line.find('\t', tab + 1);
    out.push_back(
        {line.substr(0, tab),
         line.substr(tab + 1, tab2 == std::string::npos ? std::string::npos : tab2 - tab - 1)});
  }
  return out;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = app::Flags::Parse(args,
                                 {"port", "key", "project", "process", "samples", "mode", "groups",
                                  "pages", "connections", "seconds", "warmup-seconds"},
                                 {"json"});
  if (!flags) {
    std::fprintf(stderr, "readgen: %s\n", flags.error().message.c_str());
    return 2;
  }
  auto port = flags->GetInt("port", 0, 1, 65535);
  auto connections = flags->GetInt("connections", 4, 1, 256);
  auto seconds = flags->GetInt("seconds", 10, 1, 3600);
  auto warmup = flags->GetInt("warmup-seconds", 1, 0, 3600);
  auto groups = flags->GetInt("groups", 1000, 1, 100000000);
  auto pages = flags->GetInt("pages", 1, 1, 2);
  auto key = flags->Require("key");
  auto project = flags->Require("project");
  auto process = flags->Require("process");
  auto samples_path = flags->Require("samples");
  const std::string mode = flags->GetOr("mode", "");
  if (!port || !connections || !seconds || !warmup || !groups || !pages || !key || !project ||
      !process || !samples_path || !flags->Has("port") ||
      (mode != "get-id" && mode != "get-ref" && mode != "query")) {
    std::fprintf(stderr,
                 "usage: leadgate_readgen --port P --key KEY --project ID --process ID "
                 "--samples FILE --mode get-id|get-ref|query [--groups N] [--pages 1|2] "
                 "[--connections N] [--seconds S] [--warmup-seconds S] [--json]\n");
    return 2;
  }
  Config config;
  config.port = static_cast<unsigned short>(*port);
  config.key = *key;
  config.project = *project;
  config.process = *process;
  config.mode = mode == "get-id" ? Mode::kGetId : mode == "get-ref" ? Mode::kGetRef : Mode::kQuery;
  config.groups = static_cast<std::uint64_t>(*groups);
  config.pages = static_cast<int>(*pages);
  config.connections = static_cast<int>(*connections);
  const std::vector<Sample> samples = ReadSamples(*samples_path);
  if (samples.empty()) {
    std::fprintf(stderr, "readgen: no samples in %s\n", samples_path->c_str());
    return 2;
  }

  std::vector<ConnStats> stats(static_cast<std::size_t>(config.connections));
  const auto start = SteadyClock::now();
  const auto timed_from = start + std::chrono::seconds(*warmup);
  const auto deadline = timed_from + std::chrono::seconds(*seconds);
  double cpu0 = 0;
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < config.connections; ++i) {
      threads.emplace_back([&config, &samples, i, timed_from, deadline, &stats] {
        RunConnection(config, samples, i, timed_from, deadline, stats[static_cast<std::size_t>(i)]);
      });
    }
    std::this_thread::sleep_until(timed_from);
    cpu0 = CpuSeconds();
    for (auto& t : threads) t.join();
  }
  const auto end = SteadyClock::now();
  const double cpu = CpuSeconds() - cpu0;
  // The timed window: from the end of the warm-up to the end of the last request.
  const double elapsed = std::chrono::duration<double>(end - timed_from).count();

  ConnStats total;
  for (auto& s : stats) {
    total.requests += s.requests;
    total.ok += s.ok;
    total.warmup_requests += s.warmup_requests;
    for (const auto& [k, v] : s.by_status) total.by_status[k] += v;
    total.transport_errors += s.transport_errors;
    total.bad_responses += s.bad_responses;
    total.response_bytes += s.response_bytes;
    total.latency_ms.insert(total.latency_ms.end(), s.latency_ms.begin(), s.latency_ms.end());
    total.page2_latency_ms.insert(total.page2_latency_ms.end(), s.page2_latency_ms.begin(),
                                  s.page2_latency_ms.end());
    if (total.first_error.empty()) total.first_error = s.first_error;
  }
  std::int64_t non_200 = 0;
  for (const auto& [status, n] : total.by_status) {
    if (status != 200) non_200 += n;
  }
  const std::int64_t errors = non_200 + total.transport_errors + total.bad_responses;
  const double req_per_s = static_cast<double>(total.ok) / elapsed;
  std::vector<double>& lat = total.latency_ms;
  std::vector<double>& lat2 = total.page2_latency_ms;
  const double p50 = Percentile(lat, 50);
  const double p90 = Percentile(lat, 90);
  const double p99 = Percentile(lat, 99);
  const double max = lat.empty() ? 0 : lat.back();
  const double p2_50 = Percentile(lat2, 50);
  const double p2_90 = Percentile(lat2, 90);
  const double p2_99 = Percentile(lat2, 99);
  const double p2_max = lat2.empty() ? 0 : lat2.back();
  const std::int64_t all = total.requests + total.warmup_requests;
  const double avg_res_kib =
      all > 0 ? static_cast<double>(total.response_bytes) / 1024.0 / static_cast<double>(all) : 0;

  std::fprintf(stderr,
               "readgen %s: %lld timed requests (%lld ok, %lld more in the %llds warm-up) on %d "
               "connections in %.2f s: %.1f req/s; latency p50 %.2f ms p90 %.2f ms p99 %.2f ms "
               "max %.2f ms\n",
               mode.c_str(), static_cast<long long>(total.requests),
               static_cast<long long>(total.ok), static_cast<long long>(total.warmup_requests),
               static_cast<long long>(*warmup), config.connections, elapsed, req_per_s, p50, p90,
               p99, max);
  if (!lat2.empty()) {
    std::fprintf(stderr, "readgen %s: page 2: %zu requests, p50 %.2f ms p99 %.2f ms max %.2f ms\n",
                 mode.c_str(), lat2.size(), p2_50, p2_99, p2_max);
  }
  std::fprintf(stderr,
               "readgen %s: errors %lld (statuses %s, %lld transport errors, %lld bad bodies); "
               "response %.1f KiB on average; client CPU %.1f s\n",
               mode.c_str(), static_cast<long long>(errors), StatusJson(total.by_status).c_str(),
               static_cast<long long>(total.transport_errors),
               static_cast<long long>(total.bad_responses), avg_res_kib, cpu);
  if (!total.first_error.empty()) {
    std::fprintf(stderr, "readgen %s: first error: %s\n", mode.c_str(), total.first_error.c_str());
  }
  if (flags->Has("json")) {
    JsonObject out;
    out.Str("mode", mode)
        .Int("connections", config.connections)
        .Int("seconds", *seconds)
        .Int("warmup_seconds", *warmup)
        .Int("pages", config.pages)
        .Int("samples", static_cast<std::int64_t>(samples.size()))
        .Num("elapsed_s", elapsed)
        .Int("requests", total.requests)
        .Int("ok", total.ok)
        .Int("warmup_requests", total.warmup_requests)
        .Raw("statuses", StatusJson(total.by_status))
        .Int("transport_errors", total.transport_errors)
        .Int("bad_responses", total.bad_responses)
        .Int("errors", errors)
        .Num("requests_per_s", req_per_s, 1)
        .Num("latency_p50_ms", p50, 2)
        .Num("latency_p90_ms", p90, 2)
        .Num("latency_p99_ms", p99, 2)
        .Num("latency_max_ms", max, 2)
        .Int("page2_requests", static_cast<std::int64_t>(lat2.size()))
        .Num("page2_latency_p50_ms", p2_50, 2)
        .Num("page2_latency_p90_ms", p2_90, 2)
        .Num("page2_latency_p99_ms", p2_99, 2)
        .Num("page2_latency_max_ms", p2_max, 2)
        .Num("response_kib", avg_res_kib, 1)
        .Num("client_cpu_s", cpu, 2)
        .Str("first_error", total.first_error.substr(0, 200));
    std::printf("%s\n", out.str().c_str());
  }
  return errors == 0 && total.ok > 0 ? 0 : 1;
}

}  // namespace
}  // namespace leadgate::bench

int main(int argc, char** argv) { return leadgate::bench::Main(argc, argv); }

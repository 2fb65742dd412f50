// leadgate_loadgen: drives a running `leadgate serve` on 127.0.0.1 with bulk initiate requests.
//
//   leadgate_loadgen --port P --key API_KEY --project ID --process ID
//                    [--connections 4] [--seconds 30] [--leads-per-request 1000]
//                    [--format default|v1.2] [--idempotency-keys] [--verify-phones N] [--json]
//
// Each connection is one thread with one keep-alive HTTP/1.1 connection (Boost.Beast, blocking):
// it takes the next batch number from a shared counter, builds that batch's body
// (LeadGenerator::BulkBody: unique leads across the whole run), sends it, reads the whole
// response, checks the status and counts `success` / `errors` (by code) in the body. Batches
// 0..N-1 are issued exactly once, so `leadgate_floor --batches N` replays the same bodies.
// Latency (of the 200s) is from the first byte written to the last byte read, body generation
// excluded. A 429 is retried after its Retry-After with the same batch, as docs/api.md tells
// clients to; it counts as a request, not as a latency sample.
// With --idempotency-keys every request carries a unique Idempotency-Key, as a client following
// the retry rules of docs/api.md would send.
//
// Bounded: only 127.0.0.1 is ever contacted; no request starts after --seconds (max 3600), and
// every socket read/write gives up after 60 s. Output: a human summary on stderr, and with
// --json one JSON object on stdout. Exit code 1 if any request failed or any lead was rejected.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "app/flags.hpp"
#include "bench_env.hpp"
#include "core/phone.hpp"
#include "lead_generator.hpp"

namespace leadgate::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr int kSocketTimeoutSeconds = 60;

struct Config {
  // Connection i goes to ports[i % ports.size()]: several instances share one batch sequence,
  // so the leads stay unique across them.
  std::vector<unsigned short> ports;
  std::string key;
  std::string project;
  std::string process;
  int connections = 4;
  int seconds = 30;
  std::size_t leads_per_request = 1000;
  bool v12 = false;
  bool idempotency_keys = false;
  std::string run_id;  // makes Idempotency-Keys unique per run
};

struct ConnStats {
  std::int64_t requests = 0;
  std::int64_t ok = 0;
  std::map<int, std::int64_t> by_status;
  std::int64_t transport_errors = 0;
  std::int64_t bad_responses = 0;  // 200 whose body did not parse or count up
  std::int64_t leads_sent = 0;     // in requests that got a 200
  std::int64_t accepted = 0;
  std::int64_t rejected = 0;
  std::map<std::string, std::int64_t> rejected_by_code;
  std::int64_t request_bytes = 0;
  std::int64_t response_bytes = 0;
  std::int64_t gen_ns = 0;
  std::vector<double> latency_ms;
  std::string first_error;
};

void SetTimeouts(tcp::socket& socket) {
  const timeval tv{kSocketTimeoutSeconds, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Counts a 200 body's items. False if it is not the documented shape.
bool CountReport(simdjson::dom::parser& parser, const std::string& body, std::size_t sent,
                 ConnStats& s) {
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return false;
  simdjson::dom::array success;
  simdjson::dom::array errors;
  if (doc["success"].get_array().get(success) || doc["errors"].get_array().get(errors)) {
    return false;
  }
  const std::size_t ok = success.size();
  std::size_t bad = 0;
  for (simdjson::dom::element item : errors) {
    std::string_view code;
    if (item["code"].get_string().get(code)) code = "?";
    ++s.rejected_by_code[std::string(code)];
    ++bad;
  }
  s.accepted += static_cast<std::int64_t>(ok);
  s.rejected += static_cast<std::int64_t>(bad);
  return ok + bad == sent;
}

void RunConnection(const Config& config, unsigned short port, const LeadGenerator& gen,
                   std::atomic<std::uint64_t>& next_batch, SteadyClock::time_point deadline,
                   ConnStats& s) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
  if (ec) {
    ++s.transport_errors;
    s.first_error = "connect: " + ec.message();
    return;
  }
  socket.set_option(tcp::no_delay(true));
  SetTimeouts(socket);

  const std::string target =
      std::string("/api/v1/leads/bulk/initiate") + (config.v12 ? "?v=1.2" : "");
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const std::string auth = "Bearer " + config.key;
  beast::flat_buffer buffer;
  simdjson::dom::parser parser;

  std::uint64_t batch = 0;
  bool retry = false;  // resend `batch` (it got a 429)
  while (SteadyClock::now() < deadline) {
    if (!retry) batch = next_batch.fetch_add(1);
    retry = false;
    const auto g0 = SteadyClock::now();
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, host);
    req.set(http::field::authorization, auth);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "leadgate-loadgen");
    if (config.idempotency_keys) {
      req.set("Idempotency-Key", "bench-" + config.run_id + "-" + std::to_string(batch));
    }
    req.keep_alive(true);
    req.body() = gen.BulkBody(batch, config.leads_per_request);
    req.prepare_payload();
    s.gen_ns +=
        std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - g0).count();
    s.request_bytes += static_cast<std::int64_t>(req.body().size());

    const auto t0 = SteadyClock::now();
    http::write(socket, req, ec);
    http::response<http::string_body> res;
    if (!ec) {
      http::response_parser<http::string_body> response_parser;
      response_parser.body_limit(std::uint64_t{1} << 30);
      http::read(socket, buffer, response_parser, ec);
      if (!ec) res = response_parser.release();
    }
    const auto t1 = SteadyClock::now();
    ++s.requests;
    if (ec) {
      ++s.transport_errors;
      if (s.first_error.empty()) {
        s.first_error = "batch " + std::to_string(batch) + ": " + ec.message();
      }
      return;  // the connection is unusable; a failed batch is simply not counted
    }
    s.response_bytes += static_cast<std::int64_t>(res.body().size());
    const int status = static_cast<int>(res.result_int());
    ++s.by_status[status];
    if (status == 200) {
      s.latency_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      ++s.ok;
      s.leads_sent += static_cast<std::int64_t>(config.leads_per_request);
      if (!CountReport(parser, res.body(), config.leads_per_request, s)) {
        ++s.bad_responses;
        if (s.first_error.empty()) s.first_error = "batch " + std::to_string(batch) + ": bad body";
      }
    } else if (s.first_error.empty()) {
      s.first_error = "batch " + std::to_string(batch) + ": HTTP " + std::to_string(status) + " " +
                      res.body().substr(0, 200);
    }
    if (!res.keep_alive()) return;
    if (status == 429) {
      // As a client following docs/api.md: wait Retry-After (bounded by the run), then resend
      // the same batch, so that the batches that succeed stay 0..N-1.
      long long wait_s = std::atoll(std::string(res[http::field::retry_after]).c_str());
      wait_s = std::clamp(wait_s, 1LL, 60LL);
      const auto resume = std::min(SteadyClock::now() + std::chrono::seconds(wait_s), deadline);
      std::this_thread::sleep_until(resume);
      retry = true;
    }
  }
}

std::string CodesJson(const std::map<std::string, std::int64_t>& codes) {
  std::string out = "{";
  for (const auto& [code, n] : codes) {
    if (out.size() > 1) out += ",";
    out += "\"" + code + "\":" + std::to_string(n);
  }
  return out + "}";
}

std::string StatusJson(const std::map<int, std::int64_t>& statuses) {
  std::string out = "{";
  for (const auto& [status, n] : statuses) {
    if (out.size() > 1) out += ",";
    out += "\"" + std::to_string(status) + "\":" + std::to_string(n);
  }
  return out + "}";
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = app::Flags::Parse(args,
                                 {"port", "ports", "key", "project", "process", "connections",
                                  "seconds", "leads-per-request", "format", "verify-phones"},
                                 {"json", "idempotency-keys"});
  if (!flags) {
    std::fprintf(stderr, "loadgen: %s\n", flags.error().message.c_str());
    return 2;
  }
  Config config;
  auto port = flags->GetInt("port", 1, 1, 65535);
  // --ports P1,P2,...: several instances (alternative to --port).
  for (std::string_view rest = flags->GetOr("ports", ""); !rest.empty();) {
    const auto comma = rest.find(',');
    const std::string item(rest.substr(0, comma));
    const long value = std::atol(item.c_str());
    if (value < 1 || value > 65535) {
      std::fprintf(stderr, "loadgen: --ports: bad port %s\n", item.c_str());
      return 2;
    }
    config.ports.push_back(static_cast<unsigned short>(value));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  auto connections = flags->GetInt("connections", 4, 1, 256);
  auto seconds = flags->GetInt("seconds", 30, 1, 3600);
  auto per_request = flags->GetInt("leads-per-request", 1000, 1, 100000);
  auto verify = flags->GetInt("verify-phones", 2000, 0, 10000000);
  auto key = flags->Require("key");
  auto project = flags->Require("project");
  auto process = flags->Require("process");
  const std::string format = flags->GetOr("format", "default");
  if (!port || !connections || !seconds || !per_request || !verify || !key || !project ||
      !process || (flags->Has("port") == !config.ports.empty()) ||
      (format != "default" && format != "v1.2")) {
    std::fprintf(stderr,
                 "usage: leadgate_loadgen (--port P | --ports P1,P2,...) --key KEY --project ID "
                 "--process ID "
                 "[--connections N] [--seconds S] [--leads-per-request N] "
                 "[--format default|v1.2] [--idempotency-keys] [--verify-phones N] [--json]\n");
    return 2;
  }
  if (config.ports.empty()) config.ports.push_back(static_cast<unsigned short>(*port));
  config.key = *key;
  config.project = *project;
  config.process = *process;
  config.connections = static_cast<int>(*connections);
  config.seconds = static_cast<int>(*seconds);
  config.leads_per_request = static_cast<std::size_t>(*per_request);
  config.v12 = format == "v1.2";
  config.idempotency_keys = flags->Has("idempotency-keys");
  config.run_id = std::to_string(::getpid()) + "-" +
                  std::to_string(std::chrono::system_clock::now().time_since_epoch().count());

  const LeadGenerator gen(config.project, config.process);
  if (*verify > 0) {
    // The leads a run of this size can reach (generously), checked before the clock starts.
    const core::PhoneNumbers phones;
    const auto failures = gen.VerifyPhones(phones, static_cast<std::uint64_t>(*verify), 10000000);
    for (const auto& f : failures) std::fprintf(stderr, "loadgen: phone check: %s\n", f.c_str());
    if (!failures.empty()) return 1;
  }

  std::atomic<std::uint64_t> next_batch{0};
  std::vector<ConnStats> stats(static_cast<std::size_t>(config.connections));
  const double cpu0 = CpuSeconds();
  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::seconds(config.seconds);
  {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < stats.size(); ++i) {
      const unsigned short conn_port = config.ports[i % config.ports.size()];
      threads.emplace_back([&config, conn_port, &gen, &next_batch, deadline, s = &stats[i]] {
        RunConnection(config, conn_port, gen, next_batch, deadline, *s);
      });
    }
    for (auto& t : threads) t.join();
  }
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  const double cpu = CpuSeconds() - cpu0;

  ConnStats total;
  for (auto& s : stats) {
    total.requests += s.requests;
    total.ok += s.ok;
    for (const auto& [k, v] : s.by_status) total.by_status[k] += v;
    total.transport_errors += s.transport_errors;
    total.bad_responses += s.bad_responses;
    total.leads_sent += s.leads_sent;
    total.accepted += s.accepted;
    total.rejected += s.rejected;
    for (const auto& [k, v] : s.rejected_by_code) total.rejected_by_code[k] += v;
    total.request_bytes += s.request_bytes;
    total.response_bytes += s.response_bytes;
    total.gen_ns += s.gen_ns;
    total.latency_ms.insert(total.latency_ms.end(), s.latency_ms.begin(), s.latency_ms.end());
    if (total.first_error.empty()) total.first_error = s.first_error;
  }
  const std::uint64_t batches = next_batch.load();
  const double leads_per_s = static_cast<double>(total.accepted) / elapsed;
  const double req_per_s = static_cast<double>(total.ok) / elapsed;
  std::vector<double>& lat = total.latency_ms;
  const double p50 = Percentile(lat, 50);
  const double p90 = Percentile(lat, 90);
  const double p99 = Percentile(lat, 99);
  const double max = lat.empty() ? 0 : lat.back();
  const double avg_req_kb = total.requests > 0 ? static_cast<double>(total.request_bytes) / 1024.0 /
                                                     static_cast<double>(total.requests)
                                               : 0;
  const double avg_res_kb = total.requests > 0 ? static_cast<double>(total.response_bytes) /
                                                     1024.0 / static_cast<double>(total.requests)
                                               : 0;
  const double gen_ms = total.requests > 0 ? static_cast<double>(total.gen_ns) / 1e6 /
                                                 static_cast<double>(total.requests)
                                           : 0;

  std::fprintf(stderr,
               "loadgen: %lld requests (%lld ok) on %d connections in %.2f s: %.0f leads/s "
               "accepted, %.1f req/s; latency p50 %.1f ms p90 %.1f ms p99 %.1f ms max %.1f ms\n"
               "loadgen: %lld leads sent in 200s, %lld accepted, %lld rejected %s; "
               "%lld transport errors, %lld bad bodies; statuses %s\n"
               "loadgen: request %.0f KiB, response %.0f KiB on average; body generation %.2f "
               "ms/request; client CPU %.1f s\n",
               static_cast<long long>(total.requests), static_cast<long long>(total.ok),
               config.connections, elapsed, leads_per_s, req_per_s, p50, p90, p99, max,
               static_cast<long long>(total.leads_sent), static_cast<long long>(total.accepted),
               static_cast<long long>(total.rejected), CodesJson(total.rejected_by_code).c_str(),
               static_cast<long long>(total.transport_errors),
               static_cast<long long>(total.bad_responses), StatusJson(total.by_status).c_str(),
               avg_req_kb, avg_res_kb, gen_ms, cpu);
  if (!total.first_error.empty()) {
    std::fprintf(stderr, "loadgen: first error: %s\n", total.first_error.c_str());
  }
  if (flags->Has("json")) {
    JsonObject out;
    out.Int("connections", config.connections)
        .Int("seconds", config.seconds)
        .Int("leads_per_request", static_cast<std::int64_t>(config.leads_per_request))
        .Str("format", format)
        .Bool("idempotency_keys", config.idempotency_keys)
        .Num("elapsed_s", elapsed)
        .Int("batches", static_cast<std::int64_t>(batches))
        .Int("requests", total.requests)
        .Int("ok", total.ok)
        .Raw("statuses", StatusJson(total.by_status))
        .Int("transport_errors", total.transport_errors)
        .Int("bad_responses", total.bad_responses)
        .Int("leads_sent", total.leads_sent)
        .Int("accepted", total.accepted)
        .Int("rejected", total.rejected)
        .Raw("rejected_by_code", CodesJson(total.rejected_by_code))
        .Num("leads_per_s", leads_per_s, 1)
        .Num("requests_per_s", req_per_s, 2)
        .Num("latency_p50_ms", p50, 2)
        .Num("latency_p90_ms", p90, 2)
        .Num("latency_p99_ms", p99, 2)
        .Num("latency_max_ms", max, 2)
        .Num("request_kib", avg_req_kb, 1)
        .Num("response_kib", avg_res_kb, 1)
        .Num("gen_ms_per_request", gen_ms)
        .Num("client_cpu_s", cpu, 2);
    std::printf("%s\n", out.str().c_str());
  }
  const bool clean = total.transport_errors == 0 && total.bad_responses == 0 &&
                     total.rejected == 0 && total.ok == total.requests;
  return clean ? 0 : 1;
}

}  // namespace
}  // namespace leadgate::bench

int main(int argc, char** argv) { return leadgate::bench::Main(argc, argv); }

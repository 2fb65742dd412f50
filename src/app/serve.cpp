#include "app/serve.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "auth/authenticator.hpp"
#include "core/ingest_service.hpp"
#include "core/object_id.hpp"
#include "core/phone.hpp"
#include "http/api_router.hpp"
#include "http/initiate_handler.hpp"
#include "http/server.hpp"
#include "limits/local_rate_limiter.hpp"

namespace leadgate::app {
namespace {

bool SplitListen(const std::string& listen, std::string& host, unsigned short& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = listen.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5) return false;
  unsigned long value = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value > 65535) return false;
  port = static_cast<unsigned short>(value);
  return true;
}

}  // namespace

int RunServe(const ServeConfig& config) {
  http::ServerOptions server_options;
  if (!SplitListen(config.listen, server_options.host, server_options.port)) {
    std::fprintf(stderr, "leadgate: --listen must be HOST:PORT, not %s\n", config.listen.c_str());
    return 2;
  }
  auto store = OpenStore(config.store);
  if (!store) {
    std::fprintf(stderr, "leadgate: cannot open store %s: %s\n", RedactUrl(config.store.db).c_str(),
                 store.error().ToString().c_str());
    return 1;
  }

  core::SystemClock clock;
  core::ObjectIdGenerator ids;
  const core::PhoneNumbers phones;  // loads libphonenumber's metadata once, here, not per request
  core::IngestService ingest(**store, phones, clock, ids, core::IngestLimits{config.max_leads});
  auth::Authenticator authenticator(**store);
  http::InitiateHandler initiate(ingest);

  const int workers = config.workers > 0
                          ? config.workers
                          : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  boost::asio::thread_pool pool(static_cast<std::size_t>(workers));
  core::MetricsRegistry metrics;
  http::Observability observability{&metrics, {}};
  limits::LocalRateLimiter local_limiter(clock);
  limits::RateLimiter* limiter = &local_limiter;
  core::KeyGuardStore* guard_store = store->get();
  core::IdempotencyStore* idempotency_store = store->get();
  std::unique_ptr<RedisLimits> redis;
  if (!config.redis.url.empty()) {
    auto opened = RedisLimits::Open(config.redis, **store, clock);
    if (!opened) {
      std::fprintf(stderr, "leadgate: --redis: %s\n", opened.error().ToString().c_str());
      return 2;
    }
    redis = std::move(*opened);
    limiter = &redis->rate_limiter();
    guard_store = &redis->key_guard();
    idempotency_store = &redis->idempotency();
    redis->RegisterMetrics(metrics);
    observability.limits_ping = [&redis] { return redis->Ping(); };
  }
  limits::DuplicateGuard guard(*guard_store, clock, config.guard);
  http::IdempotencyGate idempotency(*idempotency_store, clock, config.idempotency);
  http::LeadHandler leads(**store, phones, clock, ids);
  http::ApiRouter router(authenticator, initiate, leads, **store,
                         http::RouteLimits{*limiter, config.rate_limit, guard, idempotency}, pool,
                         std::move(observability));

  server_options.io_threads = config.io_threads;
  server_options.body_limit = config.body_limit;
  server_options.header_timeout = config.header_timeout;
  server_options.body_timeout = config.body_timeout;
  http::Server server(server_options, router);
  if (auto started = server.Start(); !started) {
    std::fprintf(stderr, "leadgate: cannot listen on %s: %s\n", config.listen.c_str(),
                 started.error().ToString().c_str());
    return 1;
  }
  std::printf("leadgate: listening on http://%s:%u (db %s%s)\n", server_options.host.c_str(),
              static_cast<unsigned>(server.port()), RedactUrl(config.store.db).c_str(),
              redis ? (", limits in Redis " + RedactUrl(config.redis.url)).c_str() : "");
  std::fflush(stdout);

  boost::asio::io_context signals_context;
  boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});
  signals_context.run();

  std::printf("leadgate: shutting down\n");
  std::fflush(stdout);
  // Order matters: stop accepting and drain connections, then let queued work finish (its
  // `done` calls are safe after Stop), then the store goes when `store` leaves scope.
  server.Stop();
  pool.join();
  return 0;
}

}  // namespace leadgate::app

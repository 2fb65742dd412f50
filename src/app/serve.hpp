// File: serve.hpp
//
// `leadgate serve`: the composition root. Opens the store, builds the services and the HTTP
// server, and runs until SIGINT or SIGTERM.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "app/open_store.hpp"
#include "app/redis_limits.hpp"
#include "http/idempotency_gate.hpp"
#include "limits/duplicate_guard.hpp"
#include "limits/gcra.hpp"

namespace leadgate::app {

struct ServeConfig {
  StoreOptions store;
  // HOST:PORT to listen on; PORT 0 picks a free port (printed at start).
  // Default: 127.0.0.1:8080.
  std::string listen = "127.0.0.1:8080";
  // Threads running the HTTP io loop. Default: 2.
  int io_threads = 2;
  // Threads running request work (validation, store). Default: the number of cores, at least 2.
  int workers = 0;
  // Largest request body in bytes; larger ones get 413. Default: 8 MiB.
  std::size_t body_limit = std::size_t{8} << 20;
  // Leads + leadIds allowed in one request. Default: 1000.
  std::size_t max_leads = 1000;
  // A client must send a request's header, then its body, within these. Defaults: 10 s, 30 s.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  // Requests per period per project, unless the project has its own limit
  // (`leadgate project set-limit`). Default: 100 per 5 s, all of it usable as a burst.
  // requests = 0 switches the default off (projects with their own limit keep it).
  limits::RateLimit rate_limit;
  // Duplicate-abuse blocking. Default: more than 5 strikes in 60 s block a key for 60 minutes.
  limits::GuardPolicy guard;
  // Idempotency-Key records. Default: replayed for 24 h.
  http::IdempotencyOptions idempotency;
  // Shared limits for several instances (`--redis`); empty url: in this process and the store.
  RedisConfig redis;
};

// Blocks until a signal asks it to stop. Prints "leadgate: listening on http://HOST:PORT" on
// stdout once it accepts connections. Returns the process exit code.
int RunServe(const ServeConfig& config);

}  // namespace leadgate::app

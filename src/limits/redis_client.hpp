// File: redis_client.hpp
//
// A small thread-safe Redis client over hiredis, for the limits that several leadgate instances
// share (rate, duplicate strikes and blocks, in-flight idempotency markers).
//
//   auto client = RedisClient::Create({.url = "redis://127.0.0.1:6379"});   // does not connect
//   auto reply = (*client)->Eval(kScript, {(*client)->Key("rl:p1")}, {"100", "5000000"});
//   if (!reply) ...                      // kUnavailable: Redis down, slow or refusing us
//
// Why it is shaped like this:
// * A fixed-size pool of blocking connections (hiredis contexts are not thread-safe; one
//   request uses one connection for one round trip). Connections are opened lazily, so the
//   server starts while Redis is down and the fail-open policy (fail_open_rate_limiter.hpp)
//   applies from the first request.
// * Every connect and every command is bounded by `timeout` (default 200 ms): a limit check
//   must never hold a request longer than that. A caller waits at most `timeout` for a free
//   connection too.
// * Any I/O error (reset, EOF, timeout) discards the connection AND every idle one: they almost
//   always share the cause (Redis restarted, CLIENT KILL, network cut), and discarding them
//   means the next call reconnects instead of failing once per stale pooled connection. The call
//   that saw the error is not retried: its command may or may not have run, and retrying a
//   non-idempotent script (a strike) could count it twice.
// * Scripts go by EVALSHA and fall back to EVAL (which also loads them) on NOSCRIPT, so a Redis
//   restart or failover costs one extra round trip, not an error.
// Errors are values: kUnavailable for I/O, timeouts, AUTH/SELECT failures and Redis being
// unable to serve (LOADING, READONLY, ...); kInternal for any other error reply (a script bug);
// kInvalidArgument from Create for a bad URL or options.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "limits/redis_url.hpp"

struct redisContext;  // hiredis: kept out of this header

namespace leadgate::limits {

struct RedisOptions {
  std::string url;                         // redis://[user:password@]host[:port][/db]
  std::string key_prefix = "leadgate:";    // before every key leadgate writes
  std::chrono::milliseconds timeout{200};  // connect, each command, and waiting for the pool
  std::size_t pool_size = 8;               // connections open at most (>= 1)
};

// A reply, copied out of hiredis' tree. Error replies never reach callers as a RedisReply.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  long long integer = 0;             // kInteger
  std::string str;                   // kString, kStatus
  std::vector<RedisReply> elements;  // kArray
};

// A Lua script and its SHA1 (computed once, here, so EVALSHA needs no SCRIPT LOAD first).
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;  // 40 lower-case hex digits
};

class RedisClient {
 public:
  // Validates the options and parses the URL; connects nothing yet. Sets SIGPIPE to SIG_IGN if
  // it has its default disposition (hiredis writes with write(2); see the .cpp).
  static core::Result<std::unique_ptr<RedisClient>> Create(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command, arguments binary-safe. Thread-safe.
  core::Result<RedisReply> Command(const std::vector<std::string>& args);

  // EVALSHA, and EVAL on NOSCRIPT, on one connection. Thread-safe.
  core::Result<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                const std::vector<std::string>& args);

  // PING answered PONG: for /readyz. Thread-safe.
  core::Status Ping();

  // key_prefix + suffix: every key leadgate touches goes through here.
  std::string Key(std::string_view suffix) const {
    return options_.key_prefix + std::string(suffix);
  }

  const RedisOptions& options() const { return options_; }
  const RedisUrl& url() const { return url_; }

 private:
  struct Lease {
    redisContext* ctx = nullptr;
    std::uint64_t generation = 0;
  };
  // What a round trip produced: a reply, an error reply (text), or an I/O failure.
  struct Outcome {
    bool io_error = false;
    bool error_reply = false;
    std::string error;  // io_error or error_reply
    RedisReply reply;
  };

  RedisClient(RedisOptions options, RedisUrl url)
      : options_(std::move(options)), url_(std::move(url)) {}

  core::Result<Lease> Acquire();
  void Release(Lease lease, bool healthy);
  core::Result<redisContext*> Connect() const;
  static Outcome RoundTrip(redisContext* ctx, const std::vector<std::string>& args);
  core::Error ErrorFor(const Outcome& outcome) const;
  std::string Where() const;

  const RedisOptions options_;
  const RedisUrl url_;

  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<redisContext*> idle_;  // guarded by mu_; all of generation_
  std::size_t open_ = 0;             // guarded by mu_; idle + leased
  std::uint64_t generation_ = 0;     // guarded by mu_; bumped by every I/O error
};

}  // namespace leadgate::limits

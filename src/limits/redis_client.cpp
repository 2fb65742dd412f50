#include "limits/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <sys/time.h>

#include <array>
#include <csignal>

namespace leadgate::limits {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:  // REDIS_REPLY_NIL (errors are handled before)
      break;
  }
  return out;
}

// Error replies that mean "Redis cannot serve now", not "the command is wrong".
bool IsUnavailableReply(std::string_view error) {
  for (std::string_view prefix : {"LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN",
                                  "CLUSTERDOWN", "NOAUTH", "WRONGPASS", "NOPERM", "OOM"}) {
    if (error.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  // SHA1 of a constant script cannot fail short of memory exhaustion; an empty sha1 would only
  // make every call take the EVAL path.
  if (EVP_Digest(source_.data(), source_.size(), digest.data(), &size, EVP_sha1(), nullptr) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < size; ++i) {
      sha1_.push_back(kHex[digest[i] >> 4]);
      sha1_.push_back(kHex[digest[i] & 0xF]);
    }
  }
}

core::Result<std::unique_ptr<RedisClient>> RedisClient::Create(RedisOptions options) {
  auto url = ParseRedisUrl(options.url);
  if (!url) return std::unexpected(url.error());
  if (options.timeout <= std::chrono::milliseconds::zero()) {
    return core::MakeError(core::ErrorCode::kInvalidArgument, "Redis timeout must be positive");
  }
  if (options.pool_size == 0) {
    return core::MakeError(core::ErrorCode::kInvalidArgument, "Redis pool size must be >= 1");
  }
  // hiredis 0.14 writes with write(2), not send(MSG_NOSIGNAL): a write to a connection Redis has
  // reset would raise SIGPIPE and kill the whole server, where it should be one kUnavailable.
  // Only the default disposition is replaced; a handler someone installed is left alone.
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(options), std::move(*url)));
}

RedisClient::~RedisClient() {
  for (redisContext* ctx : idle_) redisFree(ctx);
}

std::string RedisClient::Where() const {
  return "redis " + url_.host + ":" + std::to_string(url_.port);
}

core::Result<redisContext*> RedisClient::Connect() const {
  const timeval tv = ToTimeval(options_.timeout);
  redisContext* ctx = redisConnectWithTimeout(url_.host.c_str(), url_.port, tv);
  if (ctx == nullptr) {
    return core::MakeError(core::ErrorCode::kUnavailable, Where() + ": connect: out of memory");
  }
  if (ctx->err != 0) {
    std::string why = ctx->errstr;
    redisFree(ctx);
    return core::MakeError(core::ErrorCode::kUnavailable, Where() + ": connect: " + why);
  }
  if (redisSetTimeout(ctx, tv) != REDIS_OK) {
    redisFree(ctx);
    return core::MakeError(core::ErrorCode::kUnavailable, Where() + ": cannot set the timeout");
  }
  redisEnableKeepAlive(ctx);
  auto setup = [&](const std::vector<std::string>& args, std::string_view what) -> core::Status {
    Outcome out = RoundTrip(ctx, args);
    if (out.io_error || out.error_reply) {
      return core::MakeError(core::ErrorCode::kUnavailable,
                             Where() + ": " + std::string(what) + ": " + out.error);
    }
    return {};
  };
  core::Status ok;
  if (!url_.password.empty()) {
    ok = url_.user.empty() ? setup({"AUTH", url_.password}, "AUTH")
                           : setup({"AUTH", url_.user, url_.password}, "AUTH");
  }
  if (ok && url_.db != 0) ok = setup({"SELECT", std::to_string(url_.db)}, "SELECT");
  if (!ok) {
    redisFree(ctx);
    return std::unexpected(ok.error());
  }
  return ctx;
}

core::Result<RedisClient::Lease> RedisClient::Acquire() {
  std::unique_lock lock(mu_);
  if (!freed_.wait_for(lock, options_.timeout,
                       [&] { return !idle_.empty() || open_ < options_.pool_size; })) {
    return core::MakeError(core::ErrorCode::kUnavailable,
                           Where() + ": no free connection within the timeout");
  }
  if (!idle_.empty()) {
    Lease lease{idle_.back(), generation_};
    idle_.pop_back();
    return lease;
  }
  ++open_;
  const std::uint64_t generation = generation_;
  lock.unlock();
  auto ctx = Connect();  // outside the lock: other callers keep using idle connections
  if (!ctx) {
    lock.lock();
    --open_;
    freed_.notify_one();
    return std::unexpected(ctx.error());
  }
  return Lease{*ctx, generation};
}

void RedisClient::Release(Lease lease, bool healthy) {
  std::vector<redisContext*> doomed;
  {
    std::lock_guard lock(mu_);
    if (healthy && lease.generation == generation_) {
      idle_.push_back(lease.ctx);
    } else {
      doomed.push_back(lease.ctx);
      --open_;
      if (!healthy) {
        // Whatever broke this connection most likely broke the idle ones too.
        ++generation_;
        open_ -= idle_.size();
        doomed.insert(doomed.end(), idle_.begin(), idle_.end());
        idle_.clear();
      }
    }
  }
  freed_.notify_all();
  for (redisContext* ctx : doomed) redisFree(ctx);
}

RedisClient::Outcome RedisClient::RoundTrip(redisContext* ctx,
                                            const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  Outcome out;
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(args.size()), argv.data(), argvlen.data()));
  if (reply == nullptr) {
    out.io_error = true;
    out.error = ctx->err != 0 ? std::string(ctx->errstr) : "no reply";
    if (ctx->err == REDIS_ERR_IO && (out.error.empty() || out.error == "Success")) {
      out.error = "I/O error";
    }
    return out;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    out.error_reply = true;
    out.error.assign(reply->str, reply->len);
  } else {
    out.reply = Convert(reply);
  }
  freeReplyObject(reply);
  return out;
}

core::Error RedisClient::ErrorFor(const Outcome& outcome) const {
  if (outcome.io_error) {
    return core::Error{core::ErrorCode::kUnavailable, Where() + ": " + outcome.error};
  }
  return core::Error{IsUnavailableReply(outcome.error) ? core::ErrorCode::kUnavailable
                                                       : core::ErrorCode::kInternal,
                     Where() + ": " + outcome.error};
}

core::Result<RedisReply> RedisClient::Command(const std::vector<std::string>& args) {
  auto lease = Acquire();
  if (!lease) return std::unexpected(lease.error());
  Outcome out = RoundTrip(lease->ctx, args);
  Release(*lease, !out.io_error);
  if (out.io_error || out.error_reply) return std::unexpected(ErrorFor(out));
  return std::move(out.reply);
}

core::Result<RedisReply> RedisClient::Eval(const RedisScript& script,
                                           const std::vector<std::string>& keys,
                                           const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha1());
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());

  auto lease = Acquire();
  if (!lease) return std::unexpected(lease.error());
  Outcome out = RoundTrip(lease->ctx, argv);
  if (out.error_reply && out.error.starts_with("NOSCRIPT")) {
    // Not cached on this server (first use, restart, failover): EVAL runs and caches it.
    argv[0] = "EVAL";
    argv[1] = script.source();
    out = RoundTrip(lease->ctx, argv);
  }
  Release(*lease, !out.io_error);
  if (out.io_error || out.error_reply) return std::unexpected(ErrorFor(out));
  return std::move(out.reply);
}

core::Status RedisClient::Ping() {
  auto reply = Command({"PING"});
  if (!reply) return std::unexpected(reply.error());
  if (reply->type != RedisReply::Type::kStatus || reply->str != "PONG") {
    return core::MakeError(core::ErrorCode::kUnavailable, Where() + ": PING was not answered PONG");
  }
  return {};
}

}  // namespace leadgate::limits

// File: redis_url.hpp
//
// Where the shared limits live: `--redis redis://[user:password@]host[:port][/db]`.
//
//   auto url = ParseRedisUrl("redis://:secret@10.0.0.5:6380/2");
//   if (!url) Fail(url.error().message);   // kInvalidArgument, says what is wrong
//
// Only plain TCP `redis://` is accepted: hiredis 0.14 (Debian 12) has no TLS, and a unix socket
// or `rediss://` that silently became TCP would be worse than a clear error at startup.
// User and password may be percent-encoded (`%40` for `@`), as in every other Redis client.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace leadgate::limits {

struct RedisUrl {
  std::string host;
  int port = 6379;
  std::string user;      // empty: AUTH with the password alone (Redis < 6 style, user "default")
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECT on connect when not 0

  bool operator==(const RedisUrl&) const = default;
};

// kInvalidArgument for anything else than the form above (other schemes, an empty host, a port
// outside 1..65535, a db that is not a non-negative integer, query strings or fragments).
core::Result<RedisUrl> ParseRedisUrl(std::string_view url);

}  // namespace leadgate::limits

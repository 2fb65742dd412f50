// Helpers for the unit tests of the Redis-backed limits (tests/unit/limits/redis_*_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "limits/redis_client.hpp"
#include "support/test_services.hpp"

namespace leadgate::limits::testing {

// A client for the ctest Redis on a key prefix no other test uses. Call after
// LEADGATE_REQUIRE_SERVICES(); fails the test and returns null if the options are refused.
inline std::unique_ptr<RedisClient> MakeTestClient(std::size_t pool_size = 8) {
  auto client =
      RedisClient::Create({.url = ::leadgate::testing::GetTestServices()->redis_url,
                           .key_prefix = ::leadgate::testing::UniqueRedisPrefix(),
                           .timeout = std::chrono::milliseconds(2000),  // sanitizer builds
                           .pool_size = pool_size});
  EXPECT_TRUE(client.has_value()) << client.error().ToString();
  return client ? std::move(*client) : nullptr;
}

}  // namespace leadgate::limits::testing

// File: object_id.hpp
//
// 24-hex MongoDB ObjectIds, the id format of the upstream API, generated in the ObjectId layout:
// 4-byte big-endian seconds since the epoch, 5 random bytes chosen once per process, and a 3-byte
// big-endian counter that starts at a random value. Ids made by one process are unique (the
// counter wraps only after 16.7M ids in one second); ids from several processes are unique with
// overwhelming probability thanks to the random part.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace leadgate::core {

class ObjectIdGenerator {
 public:
  // Seeds the random part and the counter from the OS's random source.
  ObjectIdGenerator();
  // For tests: a fixed random part and counter start.
  ObjectIdGenerator(std::array<std::uint8_t, 5> random, std::uint32_t counter_start);

  // Thread-safe; lock-free.
  std::string Next(TimePoint now);

 private:
  std::array<std::uint8_t, 5> random_;
  std::atomic<std::uint32_t> counter_;
};

// True for exactly 24 hexadecimal digits (either case).
bool IsObjectId(std::string_view s);

// The seconds field of a well-formed id.
std::uint32_t ObjectIdSeconds(std::string_view id);

}  // namespace leadgate::core

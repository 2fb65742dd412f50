#include "core/object_id.hpp"

#include <random>

namespace leadgate::core {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void PutHex(std::string& out, std::uint8_t b) {
  out.push_back(kHex[b >> 4]);
  out.push_back(kHex[b & 0xF]);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ObjectIdGenerator::ObjectIdGenerator() {
  std::random_device rd;
  for (auto& b : random_) b = static_cast<std::uint8_t>(rd());
  counter_ = rd() & 0xFFFFFF;
}

ObjectIdGenerator::ObjectIdGenerator(std::array<std::uint8_t, 5> random,
                                     std::uint32_t counter_start)
    : random_(random), counter_(counter_start & 0xFFFFFF) {}

std::string ObjectIdGenerator::Next(TimePoint now) {
  const auto secs = static_cast<std::uint32_t>(ToUnixMillis(now) / 1000);
  const std::uint32_t count = counter_.fetch_add(1, std::memory_order_relaxed) & 0xFFFFFF;
  std::string out;
  out.reserve(24);
  for (int shift = 24; shift >= 0; shift -= 8)
    PutHex(out, static_cast<std::uint8_t>(secs >> shift));
  for (auto b : random_) PutHex(out, b);
  for (int shift = 16; shift >= 0; shift -= 8)
    PutHex(out, static_cast<std::uint8_t>(count >> shift));
  return out;
}

bool IsObjectId(std::string_view s) {
  if (s.size() != 24) return false;
  for (char c : s) {
    if (HexValue(c) < 0) return false;
  }
  return true;
}

std::uint32_t ObjectIdSeconds(std::string_view id) {
  std::uint32_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 4) | static_cast<std::uint32_t>(HexValue(id[i]));
  return v;
}

}  // namespace leadgate::core

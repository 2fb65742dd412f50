// File: stored_body.hpp
//
// How response bodies are kept for Idempotency-Key replays. A 1000-lead bulk answer is ~536 KiB
// of repetitive JSON, kept 24 h; deflated (zlib level 1) it is ~10x smaller, which also means
// ~10x fewer WAL bytes in the transaction that stores it. Small bodies are kept as they are.
//
//   std::string packed = PackBody(res.body());      // what the store keeps
//   auto body = UnpackBody(packed);                  // the original bytes, exactly
//
// Format: a body whose first byte is not 0 is stored verbatim (every JSON body starts with '{'
// or '['); otherwise "\0z", the original size as 8 little-endian bytes, then the zlib stream.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace leadgate::http {

// Bodies below this many bytes are stored verbatim: compressing them saves too little.
inline constexpr std::size_t kPackThreshold = 1024;

std::string PackBody(std::string_view body);

// kInternal when a packed body is corrupt.
core::Result<std::string> UnpackBody(std::string_view stored);

}  // namespace leadgate::http

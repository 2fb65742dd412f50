// File: tenancy.hpp
//
// Projects, processes and API keys: who may submit leads, and where they go.
#pragma once

#include <string>

#include "core/clock.hpp"

namespace leadgate::core {

struct Project {
  std::string id;
  std::string name;
  std::string region = "US";  // ISO 3166 alpha-2: default region for phones without '+'
  bool active = true;
  TimePoint created_at{};

  bool operator==(const Project&) const = default;
};

struct Process {
  std::string id;
  std::string project_id;
  std::string name;
  TimePoint created_at{};

  bool operator==(const Process&) const = default;
};

// An API key as stored: never the secret itself, only its SHA-256 (hex).
struct ApiKeyRecord {
  std::string id;
  std::string project_id;
  std::string secret_hash;  // 64 lower-case hex digits
  bool revoked = false;
  TimePoint created_at{};

  bool operator==(const ApiKeyRecord&) const = default;
};

}  // namespace leadgate::core

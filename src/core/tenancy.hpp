// File: tenancy.hpp
//
// Projects, processes and API keys: who may submit leads, and where they go.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace leadgate::core {

// A project's own request-rate limit: `requests` per `period_ms` (also the burst).
struct ProjectRateLimit {
  std::int64_t requests = 0;
  std::int64_t period_ms = 0;

  bool operator==(const ProjectRateLimit&) const = default;
};

// kInvalidArgument unless requests >= 1 and period_ms >= 1 (nullopt, "no own limit", is fine).
Status ValidateRateLimit(const std::optional<ProjectRateLimit>& limit);

struct Project {
  std::string id;
  std::string name;
  std::string region = "US";  // ISO 3166 alpha-2: default region for phones without '+'
  bool active = true;
  TimePoint created_at{};
  // Overrides the server-wide default when set (`leadgate project set-limit`).
  std::optional<ProjectRateLimit> rate_limit;

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

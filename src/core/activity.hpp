// File: activity.hpp
//
// A lead's timeline: what happened to it, newest first in every answer. Append-only; every entry
// is written in the same transaction as the change it records. The first entries (`created`, and
// `initialized` for a lead created with init) are derived from the lead row itself (created_at,
// created_state), so the ingest hot path writes no extra rows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/lead.hpp"

namespace leadgate::core {

enum class ActivityType {
  kCreated,       // the lead was stored
  kInitialized,   // queued for calling (at creation, or later through leadIds + init)
  kUpdated,       // fields changed through POST /leads/update
  kStateChanged,  // currentState moved (targetState, a dialer outcome)
};

std::string_view ToString(
    ActivityType type);  // "created", "initialized", "updated", "state_changed"

struct Activity {
  std::string id;  // ObjectId; derived entries use the lead's id
  std::string lead_id;
  ActivityType type = ActivityType::kCreated;
  TimePoint at{};
  std::optional<std::string> user_id;      // kUpdated / kStateChanged: who asked (audit)
  std::vector<std::string> fields;         // kUpdated: "name", "metadata.plan", ...
  std::optional<LeadState> from;           // kStateChanged / kInitialized
  std::optional<LeadState> to;             // kStateChanged / kInitialized
  std::optional<std::string> disposition;  // kStateChanged

  bool operator==(const Activity&) const = default;
};

// The `initialized` entry of lead_id at `at` (from created to initialized). Its id is the lead's:
// a lead is initialized at most once, at creation or later through leadIds.
Activity InitializedActivity(const std::string& lead_id, TimePoint at);

// The entries the lead row itself implies, newest first: `initialized` (only for a lead created
// with init), then `created`, both at created_at with the lead's id.
std::vector<Activity> DerivedActivities(const Lead& lead);

}  // namespace leadgate::core

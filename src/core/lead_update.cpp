#include "core/lead_update.hpp"

#include "core/name.hpp"

namespace leadgate::core {

Result<LeadMutation> ApplyUpdate(const Lead& current, const LeadChanges& changes,
                                 ObjectIdGenerator& ids, TimePoint now) {
  if (current.state == LeadState::kInCall) {
    return MakeError(ErrorCode::kFailedPrecondition, "lead " + current.id + " is in a call");
  }
  LeadMutation out{current, {}};
  Lead& lead = out.lead;
  std::vector<std::string> fields;

  if (changes.name && changes.name != current.name) {
    NameParts parts = NormalizeName(changes.name, std::nullopt, std::nullopt);
    lead.name = std::move(parts.name);
    lead.first_name = std::move(parts.first_name);
    lead.last_name = std::move(parts.last_name);
    fields.push_back("name");
  }
  if (changes.metadata && *changes.metadata != current.metadata_json) {
    lead.metadata_json = *changes.metadata;
    for (const auto& key : changes.metadata_keys) fields.push_back("metadata." + key);
  }
  if (!fields.empty()) {
    Activity a;
    a.id = ids.Next(now);
    a.lead_id = current.id;
    a.type = ActivityType::kUpdated;
    a.at = now;
    a.user_id = changes.user_id;
    a.fields = std::move(fields);
    out.activities.push_back(std::move(a));
  }

  const bool state_moves = changes.target_state && *changes.target_state != current.state;
  if (state_moves || changes.disposition) {
    Activity a;
    a.id = ids.Next(now);
    a.lead_id = current.id;
    a.type = ActivityType::kStateChanged;
    a.at = now;
    a.user_id = changes.user_id;
    a.from = current.state;
    a.to = changes.target_state.value_or(current.state);
    a.disposition = changes.disposition;
    out.activities.push_back(std::move(a));
  }
  if (state_moves) {
    lead.state = *changes.target_state;
    // Queued states are due at once (the dialer applies the calling window); others are not
    // queued at all.
    const bool queued =
        lead.state == LeadState::kInitialized || lead.state == LeadState::kScheduled;
    lead.next_attempt_at = queued ? std::optional<TimePoint>(now) : std::nullopt;
  }
  if (changes.disposition) lead.last_disposition = changes.disposition;
  if (!out.activities.empty()) lead.updated_at = now;
  return out;
}

}  // namespace leadgate::core

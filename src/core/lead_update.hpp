// File: lead_update.hpp
//
// POST /leads/update as a pure function: the current lead and the requested changes in, the new
// lead and the timeline entries that record it out. Runs inside the store's write transaction
// (LeadStore::UpdateLead), so it always sees the latest row.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/lead.hpp"
#include "core/lead_store.hpp"
#include "core/object_id.hpp"

namespace leadgate::core {

struct LeadChanges {
  std::optional<std::string> name;  // re-split into firstName / lastName
  std::optional<LeadState> target_state;
  std::optional<std::string> disposition;  // recorded as lastDisposition
  std::optional<std::string> user_id;      // who asked, for the timeline
  // Metadata after the merge, already computed against this very lead: set when the request
  // touched metadata at all (nullopt inside: now empty). The keys it touched name the change.
  std::optional<std::optional<std::string>> metadata;
  std::vector<std::string> metadata_keys;
};

// Errors: kFailedPrecondition while the lead is claimed by a dialer (state in_call).
// Only fields that really change are reported in the `updated` entry; a state change (or a
// disposition) gets a `state_changed` entry. updated_at moves only when something changed.
Result<LeadMutation> ApplyUpdate(const Lead& current, const LeadChanges& changes,
                                 ObjectIdGenerator& ids, TimePoint now);

}  // namespace leadgate::core

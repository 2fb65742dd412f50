#include "http/lead_handler.hpp"

#include "api/lead_read_json.hpp"
#include "api/lead_request_json.hpp"
#include "api/response_json.hpp"
#include "core/email.hpp"
#include "core/lead_update.hpp"
#include "core/text.hpp"
#include "http/json_error.hpp"
#include "http/query.hpp"

namespace leadgate::http {
namespace {

namespace bh = boost::beast::http;

constexpr std::string_view kStates =
    "created, initialized, scheduled, succeeded, failed, max_attempts_reached";

// A lead named by leadId, or by referenceId + projectId + processId.
struct LeadRef {
  std::optional<std::string> lead_id;
  std::optional<std::string> reference_id;
  std::optional<std::string> project_id;
  std::optional<std::string> process_id;
};

// Resolves a reference to a lead of the principal's project, or to the exact 400 / 404 answer.
std::variant<core::Lead, Response> Resolve(core::LeadStore& store, const Request& req,
                                           const auth::Principal& principal, const LeadRef& ref) {
  if (!ref.lead_id && !ref.reference_id) {
    return FailureReply(req, bh::status::bad_request, "Either leadId or referenceId is required");
  }
  if (ref.lead_id) {
    const std::string id = core::AsciiLower(*ref.lead_id);
    std::optional<core::Lead> lead;
    if (core::IsObjectId(id)) {
      auto found = store.GetLead(principal.project.id, id);
      if (!found) return StoreFailure(req, found.error());
      lead = std::move(*found);
    }
    if (!lead) {
      return FailureReply(req, bh::status::not_found,
                          "Lead with ID " + *ref.lead_id + " not found");
    }
    return std::move(*lead);
  }
  if (!ref.project_id || !ref.process_id) {
    return FailureReply(req, bh::status::bad_request,
                        "projectId and processId are required when using referenceId");
  }
  std::optional<core::Lead> lead;
  if (*ref.project_id == principal.project.id) {
    auto found =
        store.FindLeadByReference(principal.project.id, *ref.process_id, *ref.reference_id);
    if (!found) return StoreFailure(req, found.error());
    lead = std::move(*found);
  }
  if (!lead) {
    return FailureReply(req, bh::status::not_found,
                        "Lead with referenceId " + *ref.reference_id + " not found");
  }
  return std::move(*lead);
}

std::optional<std::string> Param(const Request& req, std::string_view name) {
  auto value = QueryParam(req.target(), name);
  if (!value) return std::nullopt;
  const std::string_view trimmed = core::TrimSpace(*value);
  if (trimmed.empty()) return std::nullopt;
  return std::string(trimmed);
}

}  // namespace

Response LeadHandler::Get(const Request& req, const auth::Principal& principal) const {
  const LeadRef ref{Param(req, "leadId"), Param(req, "referenceId"), Param(req, "projectId"),
                    Param(req, "processId")};
  auto resolved = Resolve(store_, req, principal, ref);
  if (auto* res = std::get_if<Response>(&resolved)) return std::move(*res);
  core::Lead lead = std::get<core::Lead>(std::move(resolved));
  auto activities = store_.ListActivities(principal.project.id, lead.id, kMaxActivitiesPerLead);
  if (!activities) return StoreFailure(req, activities.error());
  if (QueryParam(req.target(), "masked").value_or("") == "true" && lead.phone) {
    lead.phone = api::MaskPhone(*lead.phone);
  }
  return JsonReply(req, bh::status::ok, api::EncodeLeadDetail(lead, *activities));
}

Response LeadHandler::Query(const Request& req, const auth::Principal& principal) const {
  auto body = api::DecodeQueryBody(req.body());
  if (!body) return FailureReply(req, bh::status::bad_request, body.error().message);

  core::LeadQuery query;
  query.project_id = principal.project.id;
  query.process_id = body->process_id;
  query.group_id = body->group_id;
  query.reference_id = body->reference_id;
  query.limit = static_cast<std::size_t>(body->limit.value_or(100));
  if (body->current_state) {
    query.state = core::ParseLeadState(*body->current_state);
    if (!query.state) {
      return FailureReply(req, bh::status::bad_request,
                          "currentState must be one of " + std::string(kStates) + ", in_call");
    }
  }
  if (body->phone) {
    // Any format the ingest path accepts finds the lead stored in E.164.
    const core::PhoneCheck check = phones_.Check(*body->phone, principal.project.region);
    if (check.status != core::PhoneCheck::Status::kValid) {
      return FailureReply(req, bh::status::bad_request, "phone is not a valid phone number");
    }
    query.phone = check.e164;
  }
  if (body->email) query.email = core::AsciiLower(*body->email);
  for (auto [text, target, field] :
       {std::tuple{&body->created_from, &query.created_from, "createdFrom"},
        std::tuple{&body->created_to, &query.created_to, "createdTo"}}) {
    if (!*text) continue;
    *target = core::ParseIso8601(**text);
    if (!*target) {
      return FailureReply(req, bh::status::bad_request,
                          std::string(field) + " must be an ISO 8601 date or time");
    }
  }
  if (body->cursor) {
    query.after = api::DecodeCursor(*body->cursor);
    if (!query.after) return FailureReply(req, bh::status::bad_request, "cursor is invalid");
  }

  // One more than asked tells whether another page exists.
  const std::size_t page = query.limit;
  query.limit = page + 1;
  auto leads = store_.QueryLeads(query);
  if (!leads) return StoreFailure(req, leads.error());
  std::optional<core::LeadCursor> next;
  if (leads->size() > page) {
    leads->resize(page);
    next = core::LeadCursor{leads->back().created_at, leads->back().id};
  }
  return JsonReply(req, bh::status::ok, api::EncodeLeadPage(*leads, next));
}

Response LeadHandler::Update(const Request& req, const auth::Principal& principal) const {
  auto body = api::DecodeUpdateBody(req.body());
  if (!body) return FailureReply(req, bh::status::bad_request, body.error().message);
  // With an explicit metadata object, any other unknown field is a mistake, not metadata.
  if (body->has_metadata && !body->extra.empty()) {
    return FailureReply(req, bh::status::bad_request,
                        "Unknown field: " + body->extra.front().first);
  }
  const api::MetadataPatch& patch = body->has_metadata ? body->metadata : body->extra;

  core::LeadChanges changes;
  changes.name = body->name;
  changes.disposition = body->disposition;
  changes.user_id = body->user_id;
  if (body->target_state) {
    changes.target_state = core::ParseLeadState(*body->target_state);
    if (!changes.target_state || *changes.target_state == core::LeadState::kInCall) {
      return FailureReply(req, bh::status::bad_request,
                          "targetState must be one of " + std::string(kStates));
    }
  }
  for (const auto& [key, value] : patch) changes.metadata_keys.push_back(key);

  auto resolved = Resolve(store_, req, principal,
                          {body->lead_id, body->reference_id, body->project_id, body->process_id});
  if (auto* res = std::get_if<Response>(&resolved)) return std::move(*res);
  const std::string lead_id = std::get<core::Lead>(resolved).id;

  std::optional<std::string> client_error;  // a merge that breaks the metadata limits
  const core::TimePoint now = clock_.Now();
  auto updated =
      store_.UpdateLead(principal.project.id, lead_id,
                        [&](const core::Lead& current) -> core::Result<core::LeadMutation> {
                          core::LeadChanges with_metadata = changes;
                          if (!patch.empty()) {
                            auto merged = api::MergeMetadata(current.metadata_json, patch);
                            if (!merged) {
                              if (merged.error().code == core::ErrorCode::kInvalidArgument) {
                                client_error = merged.error().message;
                              }
                              return std::unexpected(merged.error());
                            }
                            with_metadata.metadata = std::move(*merged);
                          }
                          return core::ApplyUpdate(current, with_metadata, ids_, now);
                        });
  if (!updated) {
    if (client_error) return FailureReply(req, bh::status::bad_request, *client_error);
    switch (updated.error().code) {
      case core::ErrorCode::kFailedPrecondition:
        return FailureReply(req, bh::status::conflict,
                            "Lead update is not allowed while a call is in progress for this lead");
      case core::ErrorCode::kNotFound:
        return FailureReply(req, bh::status::not_found, "Lead with ID " + lead_id + " not found");
      default:
        return StoreFailure(req, updated.error());
    }
  }
  return JsonReply(req, bh::status::ok, api::EncodeLeadUpdated(ids_.Next(now), *updated));
}

}  // namespace leadgate::http

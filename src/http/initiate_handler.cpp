#include "http/initiate_handler.hpp"

#include "api/request_json.hpp"
#include "api/response_json.hpp"
#include "http/json_error.hpp"
#include "http/log.hpp"
#include "http/query.hpp"

namespace leadgate::http {
namespace {

namespace bh = boost::beast::http;

bool DryRun(const Request& req) {
  return QueryParam(req.target(), "dryRun").value_or("") == "true";
}

}  // namespace

InitiateResult InitiateHandler::Bulk(const Request& req, const auth::Principal& principal) const {
  auto body = api::DecodeBulkInitiate(req.body());
  if (!body) return ErrorReply(req, bh::status::bad_request, "Invalid JSON body");
  if (!body->leads.present && !body->lead_ids.present) {
    return ErrorReply(req, bh::status::bad_request, "Either leadIds or leads array is required");
  }
  if (body->leads.wrong_type || body->lead_ids.wrong_type) {
    return ErrorReply(req, bh::status::bad_request, "Input must be an array");
  }
  if (body->init.wrong_type)
    return ErrorReply(req, bh::status::bad_request, "init must be a boolean");

  core::IngestRequest request;
  request.project = principal.project;
  request.leads = std::move(body->leads.items);
  request.lead_ids = std::move(body->lead_ids.items);
  request.init = body->init.value.value_or(true);
  request.dry_run = DryRun(req);

  auto outcome = service_.Ingest(request);
  if (!outcome) return StoreFailure(req, outcome.error());

  if (const auto* too_many = std::get_if<core::TooManyLeads>(&*outcome)) {
    return ErrorReply(
        req, bh::status::bad_request,
        "Maximum of " + std::to_string(too_many->limit) + " leads allowed per request");
  }
  if (const auto* invalid = std::get_if<core::InvalidProjectIds>(&*outcome)) {
    return JsonReply(req, bh::status::forbidden,
                     api::EncodeInvalidProjectIds(*invalid, request.leads));
  }
  if (const auto* missing = std::get_if<core::ProcessNotFound>(&*outcome)) {
    return ErrorReply(req, bh::status::not_found,
                      "Process not found for lead with processId: " + missing->process_token);
  }
  const auto format =
      QueryParam(req.target(), "v") == "1.2" ? api::BulkFormat::kV12 : api::BulkFormat::kDefault;
  const auto& report = std::get<core::IngestReport>(*outcome);
  return {JsonReply(req, bh::status::ok,
                    api::EncodeBulkReport(report, request.leads, request.lead_ids, format)),
          report.ItemCount(), report.DuplicateRejections(), request.dry_run};
}

InitiateResult InitiateHandler::Single(const Request& req, const auth::Principal& principal) const {
  auto body = api::DecodeSingleInitiate(req.body());
  if (!body) return ErrorReply(req, bh::status::bad_request, "Invalid JSON body");
  if (!body->lead && !body->lead_id) {
    return ErrorReply(req, bh::status::bad_request, "Either leadId or lead object is required");
  }
  if (body->lead && body->lead_id) {
    return ErrorReply(req, bh::status::bad_request,
                      "Provide either leadId or lead object, not both");
  }
  if (body->lead_not_object)
    return ErrorReply(req, bh::status::bad_request, "lead must be an object");
  if (body->init.wrong_type)
    return ErrorReply(req, bh::status::bad_request, "init must be a boolean");

  core::IngestRequest request;
  request.project = principal.project;
  request.init = body->init.value.value_or(true);
  request.dry_run = DryRun(req);
  if (body->lead) {
    if (!body->lead->project_id) {
      return ErrorReply(req, bh::status::bad_request, "projectId is required in lead object");
    }
    request.leads.push_back(std::move(*body->lead));
  } else {
    request.lead_ids.push_back(std::move(*body->lead_id));
  }

  auto outcome = service_.Ingest(request);
  if (!outcome) return StoreFailure(req, outcome.error());
  if (std::holds_alternative<core::InvalidProjectIds>(*outcome)) {
    return ErrorReply(req, bh::status::forbidden, "projectId does not match authenticated project");
  }
  if (const auto* missing = std::get_if<core::ProcessNotFound>(&*outcome)) {
    return ErrorReply(req, bh::status::not_found,
                      "Process not found for lead with processId: " + missing->process_token);
  }
  // Unreachable while --max-leads is at least 1, but answered like the bulk route all the same.
  if (const auto* too_many = std::get_if<core::TooManyLeads>(&*outcome)) {
    return ErrorReply(
        req, bh::status::bad_request,
        "Maximum of " + std::to_string(too_many->limit) + " leads allowed per request");
  }
  const auto& report = std::get<core::IngestReport>(*outcome);
  const core::ItemOutcome& item = report.leads.empty() ? report.lead_ids[0] : report.leads[0];
  InitiateResult result{Response{}, 1, report.DuplicateRejections(), request.dry_run};
  if (const auto* lead = std::get_if<core::Lead>(&item)) {
    result.response = JsonReply(req, bh::status::ok, api::EncodeSingleSuccess(*lead));
  } else if (const auto& error = std::get<core::LeadError>(item);
             error.code == core::LeadErrorCode::kLeadNotFound) {
    result.response = ErrorReply(req, bh::status::not_found, "Lead not found");
  } else {
    result.response = JsonReply(req, bh::status::bad_request, api::EncodeLeadError(error));
  }
  return result;
}

}  // namespace leadgate::http

#include "api/response_json.hpp"

#include <gtest/gtest.h>

namespace leadgate::api {
namespace {

core::Lead FullLead() {
  core::Lead lead;
  lead.id = "6b0c13c00102030405abcdef";
  lead.project_id = "6b0c13c00102030405000001";
  lead.process_id = "6b0c13c00102030405000002";
  lead.group_id = "g1";
  lead.name = "Jane \"JD\" Doe";
  lead.first_name = "Jane";
  lead.last_name = "Doe";
  lead.phone = "+14155552671";
  lead.email = "jane@example.com";
  lead.reference_id = "crm-42";
  lead.metadata_json = R"({"a":"caf\u00e9"})";
  lead.state = core::LeadState::kInitialized;
  lead.next_attempt_at = core::FromUnixMillis(1795953600123);
  lead.created_at = core::FromUnixMillis(1795953600123);
  lead.updated_at = core::FromUnixMillis(1795953600456);
  return lead;
}

constexpr char kFullLeadJson[] =
    R"("_id":"6b0c13c00102030405abcdef","projectId":"6b0c13c00102030405000001",)"
    R"("processId":"6b0c13c00102030405000002","groupId":"g1","name":"Jane \"JD\" Doe",)"
    R"("firstName":"Jane","lastName":"Doe","phone":"+14155552671","email":"jane@example.com",)"
    R"("referenceId":"crm-42","currentState":"initialized","metadata":{"a":"caf\u00e9"},)"
    R"("attempts":0,"nextAttemptAt":"2026-11-29T12:00:00.123Z",)"
    R"("createdAt":"2026-11-29T12:00:00.123Z","updatedAt":"2026-11-29T12:00:00.456Z")";

TEST(ResponseJson, SingleSuccessIsTheLeadWithSuccessFirst) {
  EXPECT_EQ(EncodeSingleSuccess(FullLead()),
            std::string(R"({"success":true,)") + kFullLeadJson + "}");
}

TEST(ResponseJson, AbsentOptionalFieldsAreOmittedAndNextAttemptIsNull) {
  core::Lead lead;
  lead.id = "a";
  lead.project_id = "b";
  lead.process_id = "c";
  lead.name = "X";
  lead.email = "x@example.com";
  lead.created_at = lead.updated_at = core::FromUnixMillis(0);
  EXPECT_EQ(EncodeSingleSuccess(lead),
            R"({"success":true,"_id":"a","projectId":"b","processId":"c","name":"X",)"
            R"("email":"x@example.com","currentState":"created","attempts":0,"nextAttemptAt":null,)"
            R"("createdAt":"1970-01-01T00:00:00.000Z","updatedAt":"1970-01-01T00:00:00.000Z"})");
}

TEST(ResponseJson, BulkReportInBothFormats) {
  core::IngestReport report;
  report.leads.push_back(FullLead());
  report.leads.push_back(core::LeadError{core::LeadErrorCode::kDuplicateEmail,
                                         "Lead with email a@b.co already exists for this project",
                                         "6b0c13c00102030405000009"});
  report.lead_ids.push_back(
      core::LeadError{core::LeadErrorCode::kInvalidLeadId, "Invalid lead ID", {}});
  std::vector<core::LeadInput> leads(2);
  leads[0].raw_json = "{}";
  leads[1].raw_json = R"({ "email" : "A@b.co" })";
  leads[1].reference_id = "r2";
  std::vector<core::LeadIdInput> ids(1);
  ids[0].raw_json = "12";

  EXPECT_EQ(
      EncodeBulkReport(report, leads, ids, BulkFormat::kDefault),
      std::string(R"({"success":[{)") + kFullLeadJson +
          R"(}],"errors":[{"data":{ "email" : "A@b.co" },"error":"Lead with email a@b.co already exists for this project",)"
          R"("code":"duplicate_email","index":1,"existingLeadId":"6b0c13c00102030405000009"},)"
          R"({"leadId":12,"error":"Invalid lead ID","code":"invalid_lead_id","index":0}]})");
  EXPECT_EQ(
      EncodeBulkReport(report, leads, ids, BulkFormat::kV12),
      R"({"success":[{"_id":"6b0c13c00102030405abcdef","referenceId":"crm-42","currentState":"initialized"}],)"
      R"("errors":[{"referenceId":"r2","error":"Lead with email a@b.co already exists for this project",)"
      R"("code":"duplicate_email","index":1,"existingLeadId":"6b0c13c00102030405000009"},)"
      R"({"referenceId":null,"error":"Invalid lead ID","code":"invalid_lead_id","index":0}]})");
}

TEST(ResponseJson, ErrorBodiesEscapeTheirText) {
  EXPECT_EQ(EncodeError("Process not found for lead with processId: \"x\"\n"),
            R"({"error":"Process not found for lead with processId: \"x\"\n"})");
  EXPECT_EQ(EncodeFailure("Rate limit exceeded"),
            R"({"success":false,"error":"Rate limit exceeded"})");
  EXPECT_EQ(EncodeLeadError({core::LeadErrorCode::kInvalidPhone, "Invalid phone number", {}}),
            R"({"error":"Invalid phone number","code":"invalid_phone"})");
}

TEST(ResponseJson, InvalidProjectIdsListsEveryOffender) {
  std::vector<core::LeadInput> leads(3);
  leads[0].raw_json = R"({"a":1})";
  leads[2].raw_json = "7";
  core::InvalidProjectIds invalid{
      {{0, "missing projectId"}, {2, "projectId does not match authenticated project"}}};
  EXPECT_EQ(EncodeInvalidProjectIds(invalid, leads),
            R"({"error":"Some leads have missing or invalid projectId","invalidLeads":[)"
            R"({"data":{"a":1},"error":"missing projectId","index":0},)"
            R"({"data":7,"error":"projectId does not match authenticated project","index":2}]})");
}

}  // namespace
}  // namespace leadgate::api

#include "core/ingest_service.hpp"

#include <gtest/gtest.h>

#include "core/phone.hpp"
#include "storage/memory_lead_store.hpp"
#include "support/forwarding_lead_store.hpp"
#include "support/test_util.hpp"

namespace leadgate::core {
namespace {

constexpr char kProject[] = "6b0c13c00102030405000001";
constexpr char kProcess[] = "6b0c13c00102030405000002";

// Counts calls and can fail on demand; everything else goes to a MemoryLeadStore.
class SpyStore : public testing::ForwardingLeadStore {
 public:
  SpyStore() : ForwardingLeadStore(memory_) {}

  Result<std::optional<Process>> FindProcess(const std::string& project_id,
                                             const std::string& process_id) override {
    ++find_process_calls;
    return ForwardingLeadStore::FindProcess(project_id, process_id);
  }
  Result<IngestBatchResult> Ingest(const IngestBatch& batch) override {
    ++ingest_calls;
    last_batch = batch;
    if (fail_ingest) return MakeError(ErrorCode::kUnavailable, "disk on fire");
    return ForwardingLeadStore::Ingest(batch);
  }
  int find_process_calls = 0;
  int ingest_calls = 0;
  bool fail_ingest = false;
  IngestBatch last_batch;

 private:
  storage::MemoryLeadStore memory_;
};

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_.id = kProject;
    project_.name = "acme";
    ASSERT_OK(store_.CreateProject(project_));
    ASSERT_OK(store_.CreateProcess(Process{kProcess, kProject, "p", clock_.Now()}));
  }

  LeadInput Input(std::optional<std::string> phone, std::optional<std::string> email,
                  std::string name = "Jane Doe") {
    LeadInput in;
    in.raw_json = "{}";
    in.project_id = kProject;
    in.process_id = kProcess;
    in.process_id_token = kProcess;
    in.phone = std::move(phone);
    in.email = std::move(email);
    in.name = std::move(name);
    return in;
  }

  IngestRequest Request(std::vector<LeadInput> leads, bool init = true) {
    IngestRequest r;
    r.project = project_;
    r.leads = std::move(leads);
    r.init = init;
    return r;
  }

  IngestReport Report(IngestRequest request) {
    auto outcome = service_.Ingest(std::move(request));
    EXPECT_TRUE(outcome.has_value());
    EXPECT_TRUE(std::holds_alternative<IngestReport>(*outcome));
    return std::get<IngestReport>(*outcome);
  }

  FakeClock clock_{FromUnixMillis(1795953600000)};
  ObjectIdGenerator ids_{{1, 2, 3, 4, 5}, 0};
  PhoneNumbers phones_;
  SpyStore store_;
  Project project_;
  IngestService service_{store_, phones_, clock_, ids_, IngestLimits{5}};
};

TEST_F(IngestServiceTest, NewLeadsGetIdsStateAndTimes) {
  auto report = Report(Request({Input("(415) 555-2671", "Jane@Example.com")}));
  ASSERT_EQ(report.leads.size(), 1u);
  const Lead& lead = std::get<Lead>(report.leads[0]);
  EXPECT_EQ(lead.id, "6b0c13c00102030405000000");
  EXPECT_EQ(lead.project_id, kProject);
  EXPECT_EQ(lead.process_id, kProcess);
  EXPECT_EQ(lead.phone, "+14155552671");
  EXPECT_EQ(lead.email, "jane@example.com");
  EXPECT_EQ(lead.state, LeadState::kInitialized);
  EXPECT_EQ(lead.next_attempt_at, clock_.Now());
  EXPECT_EQ(lead.created_at, clock_.Now());
  EXPECT_EQ(lead.updated_at, clock_.Now());
  auto stored = store_.GetLead(kProject, lead.id);
  ASSERT_OK(stored);
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ(**stored, lead);
}

TEST_F(IngestServiceTest, InitFalseCreatesUnscheduledLeads) {
  auto report = Report(Request({Input(std::nullopt, "a@example.com")}, /*init=*/false));
  const Lead& lead = std::get<Lead>(report.leads[0]);
  EXPECT_EQ(lead.state, LeadState::kCreated);
  EXPECT_FALSE(lead.next_attempt_at);
}

TEST_F(IngestServiceTest, TooManyLeadsCountsBothArrays) {
  IngestRequest r =
      Request({Input(std::nullopt, "a@example.com"), Input(std::nullopt, "b@example.com"),
               Input(std::nullopt, "c@example.com")});
  r.lead_ids = {LeadIdInput{"\"x\"", "x"}, LeadIdInput{"\"y\"", "y"}, LeadIdInput{"\"z\"", "z"}};
  auto outcome = service_.Ingest(std::move(r));
  ASSERT_OK(outcome);
  ASSERT_TRUE(std::holds_alternative<TooManyLeads>(*outcome));
  EXPECT_EQ(std::get<TooManyLeads>(*outcome).limit, 5u);
  EXPECT_EQ(store_.ingest_calls, 0);
}

TEST_F(IngestServiceTest, EveryBadProjectIdIsListedAndNothingIsWritten) {
  LeadInput missing = Input(std::nullopt, "a@example.com");
  missing.project_id.reset();
  LeadInput other = Input(std::nullopt, "b@example.com");
  other.project_id = "6b0c13c00102030405000099";
  auto outcome = service_.Ingest(Request({Input(std::nullopt, "c@example.com"), missing, other}));
  ASSERT_OK(outcome);
  const auto& invalid = std::get<InvalidProjectIds>(*outcome);
  ASSERT_EQ(invalid.leads.size(), 2u);
  EXPECT_EQ(invalid.leads[0].index, 1u);
  EXPECT_EQ(invalid.leads[0].reason, "missing projectId");
  EXPECT_EQ(invalid.leads[1].index, 2u);
  EXPECT_EQ(invalid.leads[1].reason, "projectId does not match authenticated project");
  EXPECT_EQ(store_.ingest_calls, 0);
}

TEST_F(IngestServiceTest, FirstUnknownProcessIsNamedAndEachProcessIsLookedUpOnce) {
  LeadInput unknown = Input(std::nullopt, "c@example.com");
  unknown.process_id = "6b0c13c00102030405000077";
  LeadInput missing = Input(std::nullopt, "d@example.com");
  missing.process_id.reset();
  missing.process_id_token = "undefined";
  auto outcome = service_.Ingest(Request({Input(std::nullopt, "a@example.com"),
                                          Input(std::nullopt, "b@example.com"), unknown, missing}));
  ASSERT_OK(outcome);
  ASSERT_TRUE(std::holds_alternative<ProcessNotFound>(*outcome));
  EXPECT_EQ(std::get<ProcessNotFound>(*outcome).process_token, "6b0c13c00102030405000077");
  EXPECT_EQ(store_.find_process_calls, 2);  // kProcess once, the unknown one once
  EXPECT_EQ(store_.ingest_calls, 0);

  auto no_process = service_.Ingest(Request({Input(std::nullopt, "a@example.com"), missing}));
  ASSERT_OK(no_process);
  EXPECT_EQ(std::get<ProcessNotFound>(*no_process).process_token, "undefined");
}

TEST_F(IngestServiceTest, ValidationFailuresNeverReachTheStore) {
  auto report = Report(Request({Input("9999999999", std::nullopt), Input("12", std::nullopt)}));
  EXPECT_EQ(std::get<LeadError>(report.leads[0]).code, LeadErrorCode::kPhoneRepeatingDigits);
  EXPECT_EQ(std::get<LeadError>(report.leads[1]).code, LeadErrorCode::kInvalidPhone);
  EXPECT_EQ(store_.ingest_calls, 0);
}

TEST_F(IngestServiceTest, DuplicatesBecomeExactMessagesWithTheExistingLead) {
  auto first = Report(Request({Input("+14155552671", "a@example.com")}));
  const std::string existing = std::get<Lead>(first.leads[0]).id;
  ASSERT_OK(store_.RecordCallAttempt("6b0c13c00102030405000055", kProject, existing, "+14155550000",
                                     clock_.Now()));

  LeadInput ref = Input(std::nullopt, "r@example.com");
  ref.reference_id = "crm-1";
  Report(Request({ref}));
  auto report = Report(Request(
      {Input("+1 415 555 2671", "x@example.com"), Input(std::nullopt, "A@example.com"), ref}));
  const auto& phone = std::get<LeadError>(report.leads[0]);
  EXPECT_EQ(phone.code, LeadErrorCode::kDuplicatePhone);
  EXPECT_EQ(phone.message,
            "Lead with phone +14155552671 already exists for this project and process");
  EXPECT_EQ(phone.existing_lead_id, existing);
  const auto& email = std::get<LeadError>(report.leads[1]);
  EXPECT_EQ(email.message, "Lead with email a@example.com already exists for this project");
  EXPECT_EQ(email.existing_lead_id, existing);
  const auto& reference = std::get<LeadError>(report.leads[2]);
  EXPECT_EQ(reference.message,
            "Lead with referenceId crm-1 already exists for this project and process");
  EXPECT_EQ(report.DuplicateRejections(), 3u);

  auto attempted = Report(Request({Input("+14155550000", "new@example.com")}));
  const auto& err = std::get<LeadError>(attempted.leads[0]);
  EXPECT_EQ(err.code, LeadErrorCode::kPhoneAlreadyAttempted);
  EXPECT_EQ(err.message,
            "A call attempt has already been made to this phone number for this project");
  EXPECT_EQ(err.existing_lead_id, existing);
}

TEST_F(IngestServiceTest, LeadIdsAreCheckedNormalisedAndLookedUp) {
  auto created = Report(Request({Input(std::nullopt, "a@example.com")}, /*init=*/false));
  const std::string id = std::get<Lead>(created.leads[0]).id;
  std::string upper = id;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

  IngestRequest r = Request({});
  r.lead_ids = {LeadIdInput{"\"" + upper + "\"", upper}, LeadIdInput{"5", std::nullopt},
                LeadIdInput{"\"abc\"", "abc"},
                LeadIdInput{"\"6b0c13c00102030405000066\"", "6b0c13c00102030405000066"}};
  clock_.Advance(std::chrono::seconds(5));
  auto report = Report(std::move(r));
  ASSERT_EQ(report.lead_ids.size(), 4u);
  const Lead& lead = std::get<Lead>(report.lead_ids[0]);
  EXPECT_EQ(lead.id, id);
  EXPECT_EQ(lead.state, LeadState::kInitialized);
  EXPECT_EQ(lead.updated_at, clock_.Now());
  EXPECT_EQ(std::get<LeadError>(report.lead_ids[1]).code, LeadErrorCode::kInvalidLeadId);
  EXPECT_EQ(std::get<LeadError>(report.lead_ids[2]).code, LeadErrorCode::kInvalidLeadId);
  EXPECT_EQ(std::get<LeadError>(report.lead_ids[3]).code, LeadErrorCode::kLeadNotFound);
  EXPECT_EQ(std::get<LeadError>(report.lead_ids[3]).message, "Lead not found");
  EXPECT_EQ(store_.last_batch.lead_ids, std::vector<std::string>({id, "6b0c13c00102030405000066"}));
}

TEST_F(IngestServiceTest, StoreFailureIsAnErrorAndNothingIsWritten) {
  store_.fail_ingest = true;
  auto outcome = service_.Ingest(Request({Input(std::nullopt, "a@example.com")}));
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store_.CountLeads(kProject).value(), 0);
}

TEST_F(IngestServiceTest, DryRunIsPassedToTheStore) {
  IngestRequest r = Request({Input(std::nullopt, "a@example.com")});
  r.dry_run = true;
  auto report = Report(std::move(r));
  EXPECT_TRUE(std::holds_alternative<Lead>(report.leads[0]));
  EXPECT_TRUE(store_.last_batch.dry_run);
  EXPECT_EQ(store_.CountLeads(kProject).value(), 0);
}

}  // namespace
}  // namespace leadgate::core

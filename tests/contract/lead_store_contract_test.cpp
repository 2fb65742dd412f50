// File: lead_store_contract_test.cpp
//
// The contract of core::LeadStore (src/core/lead_store.hpp and the duplicate rules of
// docs/api.md), run against every implementation. A store is correct when it passes all of it.
//
// Adding an implementation (e.g. the PostgreSQL store): write one LeadStoreFactory, i.e. a
// function that returns a new, EMPTY store that no other test can see, and add an
// INSTANTIATE_TEST_SUITE_P line per suite at the bottom of this file, in the same form as the
// Memory and Sqlite ones:
//   INSTANTIATE_TEST_SUITE_P(Postgres, KeyGuardContractTest, ::testing::Values(PgFactory()),
//                            FactoryName);
// The factory gets a scratch directory that outlives the store; a server-backed store ignores it
// and creates, say, a fresh schema per call (and GTEST_SKIPs from its factory when no server is
// configured).
//
// The key guard and idempotency suites test a KeyGuardStore / IdempotencyStore that need not be
// the LeadStore itself: their parameter (LayeredFactory) is a LeadStoreFactory (for the projects
// and keys) plus, optionally, a function that builds the store under test over that LeadStore
// (the Redis ones: RedisKeyGuard, RedisIdempotencyStore). A plain LeadStoreFactory converts to it
// ("the LeadStore itself is under test"), which is why the one-line INSTANTIATE above works for
// those suites too. A layered store that needs the ctest services sets `needs_services`.
//
// Decisions pinned here that lead_store.hpp does not spell out (every store must make them the
// same way): "oldest first" breaks created_at ties by creation order; a new lead whose project
// differs from the batch's is kInvalidArgument; a batch that fails (e.g. a lead naming a process
// of no project) writes nothing; lead ids are matched case-insensitively; the attempted check
// reports the lead of the earliest attempt; RecordCallAttempt is kNotFound for an unknown project
// and kAlreadyExists for a reused attempt id. Key guard: strikes are recorded (and counted)
// during a block too, and revoking a key keeps its state. Idempotency: exactly `stale_after` old
// is stale and exactly `ttl` old is not yet expired; a completed record never goes stale.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "core/lead_store.hpp"
#include "core/object_id.hpp"
#include "limits/redis_client.hpp"
#include "limits/redis_idempotency_store.hpp"
#include "limits/redis_key_guard.hpp"
#include "storage/memory_lead_store.hpp"
#include "storage/postgres_lead_store.hpp"
#include "storage/sqlite_lead_store.hpp"
#include "support/test_services.hpp"
#include "support/test_util.hpp"

namespace leadgate::core {

// Readable failure messages. `static` keeps them out of other test files' way while ADL (which
// ignores unnamed namespaces) still finds them.
static void PrintTo(InsertStatus s, std::ostream* os) {
  switch (s) {
    case InsertStatus::kInserted:
      *os << "kInserted";
      return;
    case InsertStatus::kPhoneAlreadyAttempted:
      *os << "kPhoneAlreadyAttempted";
      return;
    case InsertStatus::kDuplicatePhone:
      *os << "kDuplicatePhone";
      return;
    case InsertStatus::kDuplicateReference:
      *os << "kDuplicateReference";
      return;
    case InsertStatus::kDuplicateEmail:
      *os << "kDuplicateEmail";
      return;
  }
  *os << "InsertStatus(" << static_cast<int>(s) << ")";
}
[[maybe_unused]] static void PrintTo(const InsertOutcome& o, std::ostream* os) {
  PrintTo(o.status, os);
  if (!o.existing_lead_id.empty()) *os << " existing=" << o.existing_lead_id;
}
[[maybe_unused]] static void PrintTo(const Lead& l, std::ostream* os) {
  auto opt = [](const std::optional<std::string>& v) { return v ? "\"" + *v + "\"" : "null"; };
  *os << "Lead{id=" << l.id << " project=" << l.project_id << " process=" << l.process_id
      << " group=" << opt(l.group_id) << " name=" << opt(l.name) << " first=" << opt(l.first_name)
      << " last=" << opt(l.last_name) << " phone=" << opt(l.phone) << " email=" << opt(l.email)
      << " ref=" << opt(l.reference_id) << " metadata=" << opt(l.metadata_json)
      << " state=" << ToString(l.state) << " attempts=" << l.attempts
      << " next=" << (l.next_attempt_at ? std::to_string(ToUnixMillis(*l.next_attempt_at)) : "null")
      << " created=" << ToUnixMillis(l.created_at) << " updated=" << ToUnixMillis(l.updated_at)
      << " created_state=" << ToString(l.created_state)
      << " last_disposition=" << opt(l.last_disposition) << "}";
}
[[maybe_unused]] static void PrintTo(const Activity& a, std::ostream* os) {
  auto opt = [](const std::optional<std::string>& v) { return v ? "\"" + *v + "\"" : "null"; };
  *os << "Activity{id=" << a.id << " lead=" << a.lead_id << " " << ToString(a.type)
      << " at=" << ToUnixMillis(a.at) << " user=" << opt(a.user_id) << " fields=[";
  for (const std::string& f : a.fields) *os << ::testing::PrintToString(f) << ",";
  *os << "] from=" << (a.from ? ToString(*a.from) : "null")
      << " to=" << (a.to ? ToString(*a.to) : "null") << " disposition=" << opt(a.disposition)
      << "}";
}
[[maybe_unused]] static void PrintTo(const Project& p, std::ostream* os) {
  *os << "Project{" << p.id << " " << p.name << " " << p.region << " active=" << p.active << " "
      << ToUnixMillis(p.created_at);
  if (p.rate_limit) *os << " limit=" << p.rate_limit->requests << "/" << p.rate_limit->period_ms;
  *os << "}";
}
[[maybe_unused]] static void PrintTo(const ProjectRateLimit& l, std::ostream* os) {
  *os << l.requests << "/" << l.period_ms << "ms";
}
[[maybe_unused]] static void PrintTo(const KeyGuardState& s, std::ostream* os) {
  *os << "KeyGuardState{strikes=" << s.strikes << " blocked_until="
      << (s.blocked_until ? std::to_string(ToUnixMillis(*s.blocked_until)) : "none") << "}";
}
[[maybe_unused]] static void PrintTo(IdempotencyStatus s, std::ostream* os) {
  switch (s) {
    case IdempotencyStatus::kStarted:
      *os << "kStarted";
      return;
    case IdempotencyStatus::kReplay:
      *os << "kReplay";
      return;
    case IdempotencyStatus::kInProgress:
      *os << "kInProgress";
      return;
    case IdempotencyStatus::kMismatch:
      *os << "kMismatch";
      return;
  }
  *os << "IdempotencyStatus(" << static_cast<int>(s) << ")";
}
[[maybe_unused]] static void PrintTo(const StoredResponse& r, std::ostream* os) {
  *os << "StoredResponse{" << r.status << " " << r.body.size()
      << " bytes: " << ::testing::PrintToString(r.body) << "}";
}
[[maybe_unused]] static void PrintTo(const Process& p, std::ostream* os) {
  *os << "Process{" << p.id << " project=" << p.project_id << " " << p.name << " "
      << ToUnixMillis(p.created_at) << "}";
}
[[maybe_unused]] static void PrintTo(const ApiKeyRecord& k, std::ostream* os) {
  *os << "ApiKey{" << k.id << " project=" << k.project_id << " " << k.secret_hash
      << " revoked=" << k.revoked << " " << ToUnixMillis(k.created_at) << "}";
}

namespace {

using leadgate::testing::TempDir;

// ---- the parameter: how to make a fresh store ----

struct LeadStoreFactory {
  std::string name;  // the instantiation's test-name suffix
  // A new, empty store. `scratch` is an empty directory that outlives the store.
  std::function<Result<std::unique_ptr<LeadStore>>(const std::filesystem::path& scratch)> make;
};

// Names the parameter in test listings (ctest shows it) instead of dumping its bytes.
void PrintTo(const LeadStoreFactory& factory, std::ostream* os) { *os << factory.name; }

LeadStoreFactory MemoryFactory() {
  return {"Memory", [](const std::filesystem::path&) -> Result<std::unique_ptr<LeadStore>> {
            return std::make_unique<storage::MemoryLeadStore>();
          }};
}

LeadStoreFactory SqliteFactory() {
  return {"Sqlite", [](const std::filesystem::path& scratch) -> Result<std::unique_ptr<LeadStore>> {
            auto store = storage::SqliteLeadStore::Open({.path = (scratch / "leads.db").string()});
            if (!store) return std::unexpected(store.error());
            return std::unique_ptr<LeadStore>(std::move(*store));
          }};
}

// ---- fixture data ----

constexpr char kP1[] = "65a000000000000000000001";
constexpr char kP2[] = "65a000000000000000000002";
constexpr char kP1A[] = "65b000000000000000000001";  // processes of kP1
constexpr char kP1B[] = "65b000000000000000000002";
constexpr char kP2A[] = "65b000000000000000000003";  // process of kP2

const TimePoint kT0 = FromUnixMillis(1795953600123);  // 2026-11-29T12:00:00.123Z

TimePoint At(std::int64_t offset_ms) { return kT0 + std::chrono::milliseconds(offset_ms); }

Project MakeProject(const std::string& id, TimePoint created = kT0) {
  return Project{.id = id,
                 .name = "project " + id,
                 .region = "US",
                 .active = true,
                 .created_at = created,
                 .rate_limit = std::nullopt};
}

Process MakeProcess(const std::string& id, const std::string& project, TimePoint created = kT0) {
  return Process{.id = id, .project_id = project, .name = "process " + id, .created_at = created};
}

InsertOutcome Inserted() { return InsertOutcome{}; }
InsertOutcome Outcome(InsertStatus status, const std::string& existing) {
  return InsertOutcome{status, existing};
}

class LeadStoreContractTest : public ::testing::TestWithParam<LeadStoreFactory> {
 protected:
  void SetUp() override {
    auto store = GetParam().make(scratch_.path());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }

  LeadStore& store() { return *store_; }

  // Projects kP1 (processes kP1A, kP1B) and kP2 (process kP2A).
  void Seed() {
    ASSERT_OK(store().CreateProject(MakeProject(kP1)));
    ASSERT_OK(store().CreateProject(MakeProject(kP2)));
    ASSERT_OK(store().CreateProcess(MakeProcess(kP1A, kP1)));
    ASSERT_OK(store().CreateProcess(MakeProcess(kP1B, kP1)));
    ASSERT_OK(store().CreateProcess(MakeProcess(kP2A, kP2)));
  }

  // A valid new lead as the ingest service would make it: fresh id, state created, times kT0.
  Lead NewLead(const std::string& project, const std::string& process,
               std::optional<std::string> phone, std::optional<std::string> email = std::nullopt,
               std::optional<std::string> reference = std::nullopt) {
    Lead lead;
    lead.id = ids_.Next(kT0);
    lead.project_id = project;
    lead.process_id = process;
    lead.name = "Jane Doe";
    lead.first_name = "Jane";
    lead.last_name = "Doe";
    lead.phone = std::move(phone);
    lead.email = std::move(email);
    lead.reference_id = std::move(reference);
    lead.state = LeadState::kCreated;
    lead.created_at = kT0;
    lead.updated_at = kT0;
    return lead;
  }

  IngestBatch Batch(const std::string& project, std::vector<Lead> leads,
                    std::vector<std::string> lead_ids = {}) {
    IngestBatch batch;
    batch.project_id = project;
    batch.new_leads = std::move(leads);
    batch.lead_ids = std::move(lead_ids);
    batch.init = true;
    batch.now = At(60'000);
    return batch;
  }

  // Ingests and returns the outcomes of the new leads (fails the test on an error).
  std::vector<InsertOutcome> Insert(const std::string& project, std::vector<Lead> leads) {
    auto result = store().Ingest(Batch(project, std::move(leads)));
    EXPECT_TRUE(result.has_value()) << result.error().ToString();
    return result ? result->inserted : std::vector<InsertOutcome>{};
  }

  std::optional<Lead> Get(const std::string& project, const std::string& id) {
    auto lead = store().GetLead(project, id);
    EXPECT_TRUE(lead.has_value()) << lead.error().ToString();
    return lead ? *lead : std::nullopt;
  }

  std::int64_t Count(const std::string& project) {
    auto n = store().CountLeads(project);
    EXPECT_TRUE(n.has_value()) << n.error().ToString();
    return n ? *n : -1;
  }

  ObjectIdGenerator ids_{{0x01, 0x02, 0x03, 0x04, 0x05}, 0x000100};

 private:
  TempDir scratch_;  // declared first: outlives the store
  std::unique_ptr<LeadStore> store_;
};

// ================= projects =================

TEST_P(LeadStoreContractTest, CreatedProjectReadsBackExactly) {
  Project p = MakeProject(kP1, At(5));
  p.name = "Acme — outbound";
  p.region = "GB";
  p.active = false;
  ASSERT_OK(store().CreateProject(p));
  auto got = store().GetProject(kP1);
  ASSERT_OK(got);
  EXPECT_EQ(*got, p);
}

TEST_P(LeadStoreContractTest, CreatingATakenProjectIdIsAlreadyExistsAndKeepsTheFirst) {
  const Project first = MakeProject(kP1);
  ASSERT_OK(store().CreateProject(first));
  Project second = MakeProject(kP1);
  second.name = "other";
  auto r = store().CreateProject(second);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store().GetProject(kP1).value(), first);
}

TEST_P(LeadStoreContractTest, UnknownProjectIsNotFound) {
  auto r = store().GetProject(kP1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST_P(LeadStoreContractTest, ListProjectsIsOldestFirstWithTiesInCreationOrder) {
  auto empty = store().ListProjects();
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());

  const Project late = MakeProject("65a0000000000000000000aa", At(2000));
  const Project early = MakeProject("65a0000000000000000000bb", At(1000));
  const Project late_too = MakeProject("65a000000000000000000001", At(2000));
  ASSERT_OK(store().CreateProject(late));
  ASSERT_OK(store().CreateProject(early));
  ASSERT_OK(store().CreateProject(late_too));
  auto all = store().ListProjects();
  ASSERT_OK(all);
  EXPECT_EQ(*all, (std::vector<Project>{early, late, late_too}));
}

TEST_P(LeadStoreContractTest, SetProjectActiveTogglesAndUnknownIsNotFound) {
  ASSERT_OK(store().CreateProject(MakeProject(kP1)));
  ASSERT_OK(store().SetProjectActive(kP1, false));
  EXPECT_FALSE(store().GetProject(kP1)->active);
  ASSERT_OK(store().SetProjectActive(kP1, false));  // no change is still fine
  EXPECT_FALSE(store().GetProject(kP1)->active);
  ASSERT_OK(store().SetProjectActive(kP1, true));
  EXPECT_TRUE(store().GetProject(kP1)->active);

  auto r = store().SetProjectActive(kP2, true);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

// ================= processes =================

TEST_P(LeadStoreContractTest, CreateProcessNeedsAnExistingProject) {
  auto r = store().CreateProcess(MakeProcess(kP1A, kP1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store().ListProcesses(kP1)->empty());
}

TEST_P(LeadStoreContractTest, CreatingATakenProcessIdIsAlreadyExists) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  auto r = store().CreateProcess(MakeProcess(kP1A, kP2));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store().FindProcess(kP1, kP1A).value(), MakeProcess(kP1A, kP1));
}

TEST_P(LeadStoreContractTest, ListProcessesIsPerProjectOldestFirst) {
  ASSERT_OK(store().CreateProject(MakeProject(kP1)));
  ASSERT_OK(store().CreateProject(MakeProject(kP2)));
  const Process b = MakeProcess("65b0000000000000000000bb", kP1, At(2000));
  const Process a = MakeProcess("65b0000000000000000000aa", kP1, At(1000));
  const Process c = MakeProcess("65b000000000000000000001", kP1, At(2000));
  const Process other = MakeProcess("65b0000000000000000000cc", kP2, At(0));
  ASSERT_OK(store().CreateProcess(b));
  ASSERT_OK(store().CreateProcess(other));
  ASSERT_OK(store().CreateProcess(a));
  ASSERT_OK(store().CreateProcess(c));

  EXPECT_EQ(store().ListProcesses(kP1).value(), (std::vector<Process>{a, b, c}));
  EXPECT_EQ(store().ListProcesses(kP2).value(), (std::vector<Process>{other}));
  auto none = store().ListProcesses("65a0000000000000000000ff");
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(LeadStoreContractTest, FindProcessOnlyWithinItsProject) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  auto found = store().FindProcess(kP1, kP1A);
  ASSERT_OK(found);
  EXPECT_EQ(*found, MakeProcess(kP1A, kP1));

  auto foreign = store().FindProcess(kP2, kP1A);
  ASSERT_OK(foreign);
  EXPECT_EQ(*foreign, std::nullopt);
  auto unknown = store().FindProcess(kP1, "65b0000000000000000000ff");
  ASSERT_OK(unknown);
  EXPECT_EQ(*unknown, std::nullopt);
}

// ================= API keys =================

TEST_P(LeadStoreContractTest, ApiKeyReadsBackAndRevokes) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const ApiKeyRecord key{.id = "65c000000000000000000001",
                         .project_id = kP1,
                         .secret_hash = std::string(64, 'a'),
                         .revoked = false,
                         .created_at = At(7)};
  ASSERT_OK(store().CreateApiKey(key));
  EXPECT_EQ(store().FindApiKey(key.id).value(), key);

  ASSERT_OK(store().RevokeApiKey(key.id));
  ApiKeyRecord revoked = key;
  revoked.revoked = true;
  EXPECT_EQ(store().FindApiKey(key.id).value(), revoked);  // revoked keys are still found
  ASSERT_OK(store().RevokeApiKey(key.id));                 // twice is fine
  EXPECT_EQ(store().FindApiKey(key.id).value(), revoked);
}

TEST_P(LeadStoreContractTest, ApiKeyErrors) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const ApiKeyRecord key{.id = "65c000000000000000000001",
                         .project_id = kP1,
                         .secret_hash = std::string(64, 'b'),
                         .revoked = false,
                         .created_at = kT0};
  ApiKeyRecord orphan = key;
  orphan.project_id = "65a0000000000000000000ff";
  auto no_project = store().CreateApiKey(orphan);
  ASSERT_FALSE(no_project.has_value());
  EXPECT_EQ(no_project.error().code, ErrorCode::kNotFound);

  ASSERT_OK(store().CreateApiKey(key));
  ApiKeyRecord again = key;
  again.project_id = kP2;
  auto taken = store().CreateApiKey(again);
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store().FindApiKey(key.id).value(), key);

  auto unknown = store().FindApiKey("65c0000000000000000000ff");
  ASSERT_OK(unknown);
  EXPECT_EQ(*unknown, std::nullopt);
  auto revoke_unknown = store().RevokeApiKey("65c0000000000000000000ff");
  ASSERT_FALSE(revoke_unknown.has_value());
  EXPECT_EQ(revoke_unknown.error().code, ErrorCode::kNotFound);
}

TEST_P(LeadStoreContractTest, PingSucceeds) { EXPECT_OK(store().Ping()); }

// ================= Ingest: inserts and round trips =================

TEST_P(LeadStoreContractTest, InsertsANewLead) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead lead = NewLead(kP1, kP1A, "+14155552671", "jane@example.com", "crm-1");
  EXPECT_EQ(Insert(kP1, {lead}), (std::vector<InsertOutcome>{Inserted()}));
  EXPECT_EQ(Get(kP1, lead.id), lead);
  EXPECT_EQ(Count(kP1), 1);
  EXPECT_EQ(Count(kP2), 0);
}

// No store holds text with a NUL byte (PostgreSQL cannot; the validators keep them out of every
// write), so a lookup by a key with one finds nothing, on every store, rather than failing.
TEST_P(LeadStoreContractTest, LookupsByAKeyWithANulByteFindNothing) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead lead = NewLead(kP1, kP1A, "+14155552671", "jane@example.com", "crm-1");
  ASSERT_EQ(Insert(kP1, {lead}), (std::vector<InsertOutcome>{Inserted()}));
  const auto nul = [](std::string s) { return s + std::string(1, '\0') + "x"; };

  EXPECT_EQ(store().GetProject(nul(kP1)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().ListProcesses(nul(kP1)).value(), std::vector<Process>{});
  EXPECT_EQ(store().FindProcess(kP1, nul(kP1A)).value(), std::nullopt);
  EXPECT_EQ(store().FindProcess(nul(kP1), kP1A).value(), std::nullopt);
  EXPECT_EQ(store().FindApiKey(nul("65c000000000000000000001")).value(), std::nullopt);
  EXPECT_EQ(store().GetLead(kP1, nul(lead.id)).value(), std::nullopt);
  EXPECT_EQ(store().CountLeads(nul(kP1)).value(), 0);
  EXPECT_EQ(store().FindLeadByReference(kP1, kP1A, nul("crm-1")).value(), std::nullopt);
  EXPECT_EQ(store().ListActivities(kP1, nul(lead.id), 10).error().code, ErrorCode::kNotFound);
  LeadQuery query;
  query.project_id = kP1;
  query.reference_id = nul("crm-1");
  EXPECT_EQ(store().QueryLeads(query).value(), std::vector<Lead>{});
  // The key without the NUL still finds it: nothing above was a side effect.
  EXPECT_EQ(Get(kP1, lead.id), lead);
}

TEST_P(LeadStoreContractTest, GetLeadRoundTripsEveryFieldExactly) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead full = NewLead(kP1, kP1A, "+447911123456", "zoë@exämple.com", "ref/ü 42");
  full.group_id = "group-1";
  full.name = "Zoë 山田";
  full.first_name = "Zoë";
  full.last_name = "山田";
  full.metadata_json =
      R"({"note":"Zoë 🚀 漢字","quote":"a\"b\\c\n","u":"\u00e9","n":[1,2.50,-0,1e300,null,true],)"
      R"("deep":{"a":{"b":{}}},"empty":""})";
  full.state = LeadState::kScheduled;
  full.attempts = 2;
  full.next_attempt_at = At(86'400'000);
  full.created_at = At(1);
  full.updated_at = At(999);

  Lead minimal = NewLead(kP1, kP1A, std::nullopt, "min@example.com");
  minimal.name = std::nullopt;
  minimal.last_name = std::nullopt;

  Lead initialized = NewLead(kP1, kP1B, "+14155550000");
  initialized.state = LeadState::kInitialized;
  initialized.next_attempt_at = kT0;

  ASSERT_EQ(Insert(kP1, {full, minimal, initialized}),
            (std::vector<InsertOutcome>{Inserted(), Inserted(), Inserted()}));
  EXPECT_EQ(Get(kP1, full.id), full);
  EXPECT_EQ(Get(kP1, minimal.id), minimal);
  EXPECT_EQ(Get(kP1, initialized.id), initialized);
}

TEST_P(LeadStoreContractTest, LeadsWithoutPhoneEmailOrReferenceNeverCollideOnTheMissingField) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead email_only_1 = NewLead(kP1, kP1A, std::nullopt, "a@example.com");
  const Lead email_only_2 = NewLead(kP1, kP1A, std::nullopt, "b@example.com");
  const Lead phone_only_1 = NewLead(kP1, kP1A, "+14155550001");
  const Lead phone_only_2 = NewLead(kP1, kP1A, "+14155550002");
  EXPECT_EQ(Insert(kP1, {email_only_1, email_only_2, phone_only_1, phone_only_2}),
            (std::vector<InsertOutcome>(4, Inserted())));
  EXPECT_EQ(Count(kP1), 4);
  EXPECT_EQ(Get(kP1, email_only_2.id), email_only_2);
  EXPECT_EQ(Get(kP1, phone_only_2.id), phone_only_2);
}

// ================= Ingest: duplicate rules =================

TEST_P(LeadStoreContractTest, SamePhoneInTheSameProcessIsADuplicate) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead first = NewLead(kP1, kP1A, "+14155552671", "one@example.com");
  ASSERT_EQ(Insert(kP1, {first}), (std::vector<InsertOutcome>{Inserted()}));
  const Lead again = NewLead(kP1, kP1A, "+14155552671", "two@example.com");
  EXPECT_EQ(Insert(kP1, {again}),
            (std::vector<InsertOutcome>{Outcome(InsertStatus::kDuplicatePhone, first.id)}));
  EXPECT_EQ(Get(kP1, again.id), std::nullopt);
  EXPECT_EQ(Count(kP1), 1);
}

TEST_P(LeadStoreContractTest, SamePhoneInAnotherProcessOfTheProjectIsNotADuplicate) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  EXPECT_EQ(Insert(kP1, {NewLead(kP1, kP1A, "+14155552671"), NewLead(kP1, kP1B, "+14155552671")}),
            (std::vector<InsertOutcome>{Inserted(), Inserted()}));
  EXPECT_EQ(Count(kP1), 2);
}

TEST_P(LeadStoreContractTest, SameReferenceIsADuplicateOnlyInTheSameProcess) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead first = NewLead(kP1, kP1A, "+14155550001", std::nullopt, "crm-42");
  ASSERT_EQ(Insert(kP1, {first}), (std::vector<InsertOutcome>{Inserted()}));
  EXPECT_EQ(Insert(kP1, {NewLead(kP1, kP1A, "+14155550002", std::nullopt, "crm-42"),
                         NewLead(kP1, kP1B, "+14155550003", std::nullopt, "crm-42")}),
            (std::vector<InsertOutcome>{Outcome(InsertStatus::kDuplicateReference, first.id),
                                        Inserted()}));
  EXPECT_EQ(Count(kP1), 2);
}

TEST_P(LeadStoreContractTest, SameEmailIsADuplicateAcrossTheProcessesOfAProject) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead first = NewLead(kP1, kP1A, std::nullopt, "jane@example.com");
  ASSERT_EQ(Insert(kP1, {first}), (std::vector<InsertOutcome>{Inserted()}));
  EXPECT_EQ(Insert(kP1, {NewLead(kP1, kP1A, "+14155550002", "jane@example.com"),
                         NewLead(kP1, kP1B, "+14155550003", "jane@example.com")}),
            (std::vector<InsertOutcome>{Outcome(InsertStatus::kDuplicateEmail, first.id),
                                        Outcome(InsertStatus::kDuplicateEmail, first.id)}));
  EXPECT_EQ(Count(kP1), 1);
}

TEST_P(LeadStoreContractTest, OtherProjectsAreIsolated) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  ASSERT_EQ(Insert(kP1, {NewLead(kP1, kP1A, "+14155552671", "jane@example.com", "crm-1")}),
            (std::vector<InsertOutcome>{Inserted()}));
  ASSERT_OK(store().RecordCallAttempt("65d000000000000000000001", kP1, "65e000000000000000000001",
                                      "+14155559999", kT0));
  // Same phone, email, reference, and an attempted phone, all in another project: all fine.
  EXPECT_EQ(Insert(kP2, {NewLead(kP2, kP2A, "+14155552671", "jane@example.com", "crm-1"),
                         NewLead(kP2, kP2A, "+14155559999")}),
            (std::vector<InsertOutcome>{Inserted(), Inserted()}));
  EXPECT_EQ(Count(kP1), 1);
  EXPECT_EQ(Count(kP2), 2);
}

TEST_P(LeadStoreContractTest, AttemptedPhoneIsRejectedInEveryProcessOfTheProject) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const std::string attempted_lead = "65e000000000000000000001";  // need not be stored here
  ASSERT_OK(store().RecordCallAttempt("65d000000000000000000001", kP1, attempted_lead,
                                      "+14155552671", kT0));
  const auto expected = Outcome(InsertStatus::kPhoneAlreadyAttempted, attempted_lead);
  EXPECT_EQ(Insert(kP1, {NewLead(kP1, kP1A, "+14155552671"), NewLead(kP1, kP1B, "+14155552671")}),
            (std::vector<InsertOutcome>{expected, expected}));
  EXPECT_EQ(Count(kP1), 0);
}

TEST_P(LeadStoreContractTest, AttemptedReportsTheLeadOfTheEarliestAttempt) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const std::string phone = "+14155552671";
  ASSERT_OK(store().RecordCallAttempt("65d000000000000000000001", kP1, "65e000000000000000000002",
                                      phone, At(2000)));
  ASSERT_OK(store().RecordCallAttempt("65d000000000000000000002", kP1, "65e000000000000000000001",
                                      phone, At(1000)));
  ASSERT_OK(store().RecordCallAttempt("65d000000000000000000003", kP1, "65e000000000000000000003",
                                      phone, At(1000)));
  EXPECT_EQ(Insert(kP1, {NewLead(kP1, kP1A, phone)}),
            (std::vector<InsertOutcome>{
                Outcome(InsertStatus::kPhoneAlreadyAttempted, "65e000000000000000000001")}));
}

TEST_P(LeadStoreContractTest, RecordCallAttemptErrors) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  ASSERT_OK(store().RecordCallAttempt("65d000000000000000000001", kP1, "65e000000000000000000001",
                                      "+14155552671", kT0));
  auto taken = store().RecordCallAttempt("65d000000000000000000001", kP1,
                                         "65e000000000000000000002", "+14155550000", kT0);
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
  // The refused attempt left no trace.
  EXPECT_EQ(Insert(kP1, {NewLead(kP1, kP1A, "+14155550000")}),
            (std::vector<InsertOutcome>{Inserted()}));

  auto no_project =
      store().RecordCallAttempt("65d000000000000000000009", "65a0000000000000000000ff",
                                "65e000000000000000000001", "+14155552671", kT0);
  ASSERT_FALSE(no_project.has_value());
  EXPECT_EQ(no_project.error().code, ErrorCode::kNotFound);
}

TEST_P(LeadStoreContractTest, ChecksRunInOrderAttemptedPhoneReferenceEmail) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  // Three stored leads, each owning one of the colliding values, and an attempt on a 4th phone
  // which is also the phone of a stored lead.
  const Lead by_phone = NewLead(kP1, kP1A, "+14155550001", "p@example.com", "ref-p");
  const Lead by_ref = NewLead(kP1, kP1A, "+14155550002", "r@example.com", "ref-r");
  const Lead by_email = NewLead(kP1, kP1B, "+14155550003", "e@example.com", "ref-e");
  const Lead attempted = NewLead(kP1, kP1A, "+14155550004");
  ASSERT_EQ(Insert(kP1, {by_phone, by_ref, by_email, attempted}),
            (std::vector<InsertOutcome>(4, Inserted())));
  const std::string attempt_lead = "65e0000000000000000000aa";
  ASSERT_OK(store().RecordCallAttempt("65d000000000000000000001", kP1, attempt_lead, "+14155550004",
                                      kT0));

  EXPECT_EQ(Insert(kP1,
                   {
                       // attempted beats a duplicate phone (and everything else)
                       NewLead(kP1, kP1A, "+14155550004", "e@example.com", "ref-r"),
                       // phone beats reference and email
                       NewLead(kP1, kP1A, "+14155550001", "e@example.com", "ref-r"),
                       // reference beats email
                       NewLead(kP1, kP1A, "+14155550099", "e@example.com", "ref-r"),
                       // email last
                       NewLead(kP1, kP1A, "+14155550098", "e@example.com", "ref-new"),
                   }),
            (std::vector<InsertOutcome>{
                Outcome(InsertStatus::kPhoneAlreadyAttempted, attempt_lead),
                Outcome(InsertStatus::kDuplicatePhone, by_phone.id),
                Outcome(InsertStatus::kDuplicateReference, by_ref.id),
                Outcome(InsertStatus::kDuplicateEmail, by_email.id),
            }));
  EXPECT_EQ(Count(kP1), 4);
}

TEST_P(LeadStoreContractTest, EarlierLeadsOfTheSameBatchCount) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead phone = NewLead(kP1, kP1A, "+14155550001");
  const Lead ref = NewLead(kP1, kP1A, "+14155550002", std::nullopt, "crm-1");
  const Lead email = NewLead(kP1, kP1A, std::nullopt, "jane@example.com");
  EXPECT_EQ(Insert(kP1,
                   {
                       phone, NewLead(kP1, kP1A, "+14155550001"), ref,
                       NewLead(kP1, kP1A, "+14155550003", std::nullopt, "crm-1"), email,
                       NewLead(kP1, kP1B, std::nullopt, "jane@example.com"),
                       NewLead(kP1, kP1B, "+14155550001"),  // other process: fine
                   }),
            (std::vector<InsertOutcome>{
                Inserted(),
                Outcome(InsertStatus::kDuplicatePhone, phone.id),
                Inserted(),
                Outcome(InsertStatus::kDuplicateReference, ref.id),
                Inserted(),
                Outcome(InsertStatus::kDuplicateEmail, email.id),
                Inserted(),
            }));
  EXPECT_EQ(Count(kP1), 4);
}

TEST_P(LeadStoreContractTest, ARejectedLeadLeavesNoTrace) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead first = NewLead(kP1, kP1A, "+14155550001");
  // Rejected for its phone: its email and reference must not be taken by it.
  const Lead rejected = NewLead(kP1, kP1A, "+14155550001", "new@example.com", "crm-new");
  const Lead later = NewLead(kP1, kP1A, "+14155550002", "new@example.com", "crm-new");
  EXPECT_EQ(Insert(kP1, {first, rejected, later}),
            (std::vector<InsertOutcome>{
                Inserted(), Outcome(InsertStatus::kDuplicatePhone, first.id), Inserted()}));
  EXPECT_EQ(Get(kP1, rejected.id), std::nullopt);
  EXPECT_EQ(Get(kP1, later.id), later);
}

// ================= Ingest: lead_ids and init =================

TEST_P(LeadStoreContractTest, LeadIdsAreFoundOnlyInTheBatchProject) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead mine = NewLead(kP1, kP1A, "+14155550001");
  mine.state = LeadState::kInitialized;
  const Lead foreign = NewLead(kP2, kP2A, "+14155550002");
  ASSERT_EQ(Insert(kP1, {mine}).size(), 1u);
  ASSERT_EQ(Insert(kP2, {foreign}).size(), 1u);

  std::string upper = mine.id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto result =
      store().Ingest(Batch(kP1, {}, {foreign.id, mine.id, "65e0000000000000000000ff", upper}));
  ASSERT_OK(result);
  EXPECT_TRUE(result->inserted.empty());
  EXPECT_EQ(result->found,
            (std::vector<std::optional<Lead>>{std::nullopt, mine, std::nullopt, mine}));
}

TEST_P(LeadStoreContractTest, InitTurnsACreatedLeadIntoAnInitializedOne) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead created = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {created}).size(), 1u);

  IngestBatch batch = Batch(kP1, {}, {created.id});
  batch.now = At(5000);
  auto result = store().Ingest(batch);
  ASSERT_OK(result);
  Lead expected = created;
  expected.state = LeadState::kInitialized;
  expected.updated_at = At(5000);
  expected.next_attempt_at = At(5000);
  EXPECT_EQ(result->found, (std::vector<std::optional<Lead>>{expected}));
  EXPECT_EQ(Get(kP1, created.id), expected);  // and it is stored that way
}

TEST_P(LeadStoreContractTest, InitLeavesLeadsPastCreatedUnchanged) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead initialized = NewLead(kP1, kP1A, "+14155550001");
  initialized.state = LeadState::kInitialized;
  initialized.next_attempt_at = At(100);
  Lead failed = NewLead(kP1, kP1A, "+14155550002");
  failed.state = LeadState::kFailed;
  failed.attempts = 3;
  ASSERT_EQ(Insert(kP1, {initialized, failed}).size(), 2u);

  auto result = store().Ingest(Batch(kP1, {}, {initialized.id, failed.id}));
  ASSERT_OK(result);
  EXPECT_EQ(result->found, (std::vector<std::optional<Lead>>{initialized, failed}));
  EXPECT_EQ(Get(kP1, initialized.id), initialized);
  EXPECT_EQ(Get(kP1, failed.id), failed);
}

TEST_P(LeadStoreContractTest, InitFalseLeavesACreatedLeadUnchanged) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead created = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {created}).size(), 1u);
  IngestBatch batch = Batch(kP1, {}, {created.id});
  batch.init = false;
  auto result = store().Ingest(batch);
  ASSERT_OK(result);
  EXPECT_EQ(result->found, (std::vector<std::optional<Lead>>{created}));
  EXPECT_EQ(Get(kP1, created.id), created);
}

TEST_P(LeadStoreContractTest, NewLeadsAndLeadIdsInOneBatch) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead existing = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {existing}).size(), 1u);
  const Lead fresh = NewLead(kP1, kP1A, "+14155550002");
  auto result = store().Ingest(
      Batch(kP1, {fresh, NewLead(kP1, kP1A, "+14155550001")}, {existing.id, fresh.id}));
  ASSERT_OK(result);
  EXPECT_EQ(result->inserted,
            (std::vector<InsertOutcome>{Inserted(),
                                        Outcome(InsertStatus::kDuplicatePhone, existing.id)}));
  ASSERT_EQ(result->found.size(), 2u);
  ASSERT_TRUE(result->found[0].has_value());
  EXPECT_EQ(result->found[0]->state, LeadState::kInitialized);
  // "as it is after the batch": a lead inserted earlier in the batch is found too.
  ASSERT_TRUE(result->found[1].has_value());
  EXPECT_EQ(result->found[1]->id, fresh.id);
  EXPECT_EQ(result->found[1]->state, LeadState::kInitialized);
}

TEST_P(LeadStoreContractTest, AnEmptyBatchIsFine) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  auto result = store().Ingest(Batch(kP1, {}));
  ASSERT_OK(result);
  EXPECT_TRUE(result->inserted.empty());
  EXPECT_TRUE(result->found.empty());
}

// ================= Ingest: dry runs and failures =================

TEST_P(LeadStoreContractTest, DryRunReportsTheSameOutcomesAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead stored = NewLead(kP1, kP1A, "+14155550001", "s@example.com");
  ASSERT_EQ(Insert(kP1, {stored}).size(), 1u);
  ASSERT_OK(
      store().RecordCallAttempt("65d000000000000000000001", kP1, stored.id, "+14155550009", kT0));

  const Lead a = NewLead(kP1, kP1A, "+14155550002", "a@example.com", "crm-a");
  IngestBatch batch = Batch(kP1,
                            {
                                a, NewLead(kP1, kP1A, "+14155550002"),  // in-batch duplicate
                                NewLead(kP1, kP1B, std::nullopt, "a@example.com"),
                                NewLead(kP1, kP1A, "+14155550003", std::nullopt, "crm-a"),
                                NewLead(kP1, kP1A, "+14155550001"),  // stored duplicate
                                NewLead(kP1, kP1B, "+14155550009"),  // attempted
                            },
                            {stored.id, a.id});
  batch.now = At(5000);
  const std::vector<InsertOutcome> expected_outcomes{
      Inserted(),
      Outcome(InsertStatus::kDuplicatePhone, a.id),
      Outcome(InsertStatus::kDuplicateEmail, a.id),
      Outcome(InsertStatus::kDuplicateReference, a.id),
      Outcome(InsertStatus::kDuplicatePhone, stored.id),
      Outcome(InsertStatus::kPhoneAlreadyAttempted, stored.id),
  };
  Lead stored_initialized = stored;
  stored_initialized.state = LeadState::kInitialized;
  stored_initialized.updated_at = At(5000);
  stored_initialized.next_attempt_at = At(5000);
  Lead a_initialized = a;
  a_initialized.state = LeadState::kInitialized;
  a_initialized.updated_at = At(5000);
  a_initialized.next_attempt_at = At(5000);
  const std::vector<std::optional<Lead>> expected_found{stored_initialized, a_initialized};

  batch.dry_run = true;
  for (int round = 0; round < 2; ++round) {  // twice: the first left nothing behind
    auto dry = store().Ingest(batch);
    ASSERT_OK(dry);
    EXPECT_EQ(dry->inserted, expected_outcomes);
    EXPECT_EQ(dry->found, expected_found);
    EXPECT_EQ(Count(kP1), 1);
    EXPECT_EQ(Get(kP1, a.id), std::nullopt);
    EXPECT_EQ(Get(kP1, stored.id), stored);  // init not applied
  }

  batch.dry_run = false;
  auto real = store().Ingest(batch);
  ASSERT_OK(real);
  EXPECT_EQ(real->inserted, expected_outcomes);
  EXPECT_EQ(real->found, expected_found);
  EXPECT_EQ(Count(kP1), 2);
  EXPECT_EQ(Get(kP1, stored.id), stored_initialized);
}

TEST_P(LeadStoreContractTest, AFailedBatchWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead created = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {created}).size(), 1u);

  const Lead good = NewLead(kP1, kP1A, "+14155550002");
  // A process of another project: the caller's bug, caught by the store.
  const Lead bad = NewLead(kP1, kP2A, "+14155550003");
  auto failed = store().Ingest(Batch(kP1, {good, bad}, {created.id}));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(Count(kP1), 1);
  EXPECT_EQ(Get(kP1, good.id), std::nullopt);
  EXPECT_EQ(Get(kP1, created.id), created);

  // A lead id that is already taken: also a bug, also nothing written.
  Lead reused = NewLead(kP1, kP1A, "+14155550004");
  reused.id = created.id;
  auto clash = store().Ingest(Batch(kP1, {good, reused}));
  ASSERT_FALSE(clash.has_value());
  EXPECT_EQ(Count(kP1), 1);
  EXPECT_EQ(Get(kP1, created.id), created);

  // The store still works afterwards.
  EXPECT_EQ(Insert(kP1, {good}), (std::vector<InsertOutcome>{Inserted()}));
}

TEST_P(LeadStoreContractTest, AnUnknownProjectFindsNothingAndStoresNothing) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead stored = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {stored}).size(), 1u);
  const std::string unknown = "65a0000000000000000000ff";

  auto lookups = store().Ingest(Batch(unknown, {}, {stored.id}));
  ASSERT_OK(lookups);
  EXPECT_EQ(lookups->found, (std::vector<std::optional<Lead>>{std::nullopt}));

  auto inserts = store().Ingest(Batch(unknown, {NewLead(unknown, kP1A, "+14155550002")}));
  EXPECT_FALSE(inserts.has_value());
  EXPECT_EQ(Count(unknown), 0);
  EXPECT_EQ(Count(kP1), 1);
}

TEST_P(LeadStoreContractTest, ALeadOfAnotherProjectThanTheBatchIsInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  auto r = store().Ingest(
      Batch(kP1, {NewLead(kP1, kP1A, "+14155550001"), NewLead(kP2, kP2A, "+14155550002")}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count(kP1), 0);
  EXPECT_EQ(Count(kP2), 0);
}

// ================= counting and concurrency =================

TEST_P(LeadStoreContractTest, CountLeadsIsPerProject) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  EXPECT_EQ(Count(kP1), 0);
  std::vector<Lead> batch;
  for (int i = 0; i < 25; ++i) {
    batch.push_back(NewLead(kP1, i % 2 ? kP1A : kP1B, "+1415555" + std::to_string(1000 + i)));
  }
  ASSERT_EQ(Insert(kP1, batch).size(), 25u);
  ASSERT_EQ(Insert(kP2, {NewLead(kP2, kP2A, "+14155550001")}).size(), 1u);
  EXPECT_EQ(Count(kP1), 25);
  EXPECT_EQ(Count(kP2), 1);
  EXPECT_EQ(Count("65a0000000000000000000ff"), 0);
}

TEST_P(LeadStoreContractTest, ConcurrentBatchesRacingOnOnePhoneStoreOneLead) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  constexpr int kThreads = 8;
  std::vector<Lead> leads;
  for (int i = 0; i < kThreads; ++i) leads.push_back(NewLead(kP1, kP1A, "+14155552671"));
  std::vector<Result<IngestBatchResult>> results(kThreads, MakeError(ErrorCode::kInternal, ""));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] = store().Ingest(Batch(kP1, {leads[i]}));
    });
  }
  go = true;
  for (auto& t : threads) t.join();

  std::string winner;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_OK(results[i]);
    if (results[i]->inserted.at(0).status == InsertStatus::kInserted) {
      EXPECT_TRUE(winner.empty()) << "two winners";
      winner = leads[i].id;
    }
  }
  ASSERT_FALSE(winner.empty());
  for (int i = 0; i < kThreads; ++i) {
    if (leads[i].id == winner) continue;
    EXPECT_EQ(results[i]->inserted.at(0), Outcome(InsertStatus::kDuplicatePhone, winner));
  }
  EXPECT_EQ(Count(kP1), 1);
}

// ================= project rate limits =================

TEST_P(LeadStoreContractTest, ProjectRateLimitIsSetClearedAndReadBack) {
  ASSERT_OK(store().CreateProject(MakeProject(kP1)));
  EXPECT_EQ(store().GetProject(kP1)->rate_limit, std::nullopt);

  const ProjectRateLimit limit{.requests = 100, .period_ms = 5000};
  ASSERT_OK(store().SetProjectRateLimit(kP1, limit));
  EXPECT_EQ(store().GetProject(kP1)->rate_limit, limit);
  auto listed = store().ListProjects();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).rate_limit, limit);

  const ProjectRateLimit smallest{.requests = 1, .period_ms = 1};
  ASSERT_OK(store().SetProjectRateLimit(kP1, smallest));
  EXPECT_EQ(store().GetProject(kP1)->rate_limit, smallest);

  ASSERT_OK(store().SetProjectRateLimit(kP1, std::nullopt));
  EXPECT_EQ(store().GetProject(kP1)->rate_limit, std::nullopt);
  ASSERT_OK(store().SetProjectRateLimit(kP1, std::nullopt));  // clearing twice is fine

  // CreateProject stores a limit given with the project, and nothing else changes the other.
  Project limited = MakeProject(kP2);
  limited.rate_limit = ProjectRateLimit{.requests = 7, .period_ms = 60'000};
  ASSERT_OK(store().CreateProject(limited));
  EXPECT_EQ(store().GetProject(kP2).value(), limited);
  EXPECT_EQ(store().GetProject(kP1)->rate_limit, std::nullopt);
  ASSERT_OK(store().SetProjectActive(kP2, false));
  EXPECT_EQ(store().GetProject(kP2)->rate_limit, limited.rate_limit);
}

TEST_P(LeadStoreContractTest, ProjectRateLimitErrors) {
  const ProjectRateLimit valid{.requests = 10, .period_ms = 1000};
  auto unknown = store().SetProjectRateLimit(kP1, valid);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  auto unknown_clear = store().SetProjectRateLimit(kP1, std::nullopt);
  ASSERT_FALSE(unknown_clear.has_value());
  EXPECT_EQ(unknown_clear.error().code, ErrorCode::kNotFound);

  ASSERT_OK(store().CreateProject(MakeProject(kP1)));
  ASSERT_OK(store().SetProjectRateLimit(kP1, valid));
  for (const ProjectRateLimit bad : {ProjectRateLimit{.requests = 0, .period_ms = 1000},
                                     ProjectRateLimit{.requests = 10, .period_ms = 0},
                                     ProjectRateLimit{.requests = -1, .period_ms = 1000},
                                     ProjectRateLimit{.requests = 10, .period_ms = -5}}) {
    auto r = store().SetProjectRateLimit(kP1, bad);
    ASSERT_FALSE(r.has_value()) << bad.requests << "/" << bad.period_ms;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store().GetProject(kP1)->rate_limit, valid);  // unchanged
  }
  // The argument is checked first, whether or not the project exists.
  auto both = store().SetProjectRateLimit(kP2, ProjectRateLimit{.requests = 0, .period_ms = 1});
  ASSERT_FALSE(both.has_value());
  EXPECT_EQ(both.error().code, ErrorCode::kInvalidArgument);

  Project bad_project = MakeProject(kP2);
  bad_project.rate_limit = ProjectRateLimit{.requests = 5, .period_ms = 0};
  auto created = store().CreateProject(bad_project);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().GetProject(kP2).error().code, ErrorCode::kNotFound);
}

// ================= reading, querying and updating leads =================

class LeadReadContractTest : public LeadStoreContractTest {
 protected:
  // An Activity with every field given (designated initializers would have to name them all).
  static Activity Act(std::string id, std::string lead_id, ActivityType type, TimePoint at,
                      std::optional<std::string> user_id = std::nullopt,
                      std::vector<std::string> fields = {},
                      std::optional<LeadState> from = std::nullopt,
                      std::optional<LeadState> to = std::nullopt,
                      std::optional<std::string> disposition = std::nullopt) {
    Activity a;
    a.id = std::move(id);
    a.lead_id = std::move(lead_id);
    a.type = type;
    a.at = at;
    a.user_id = std::move(user_id);
    a.fields = std::move(fields);
    a.from = from;
    a.to = to;
    a.disposition = std::move(disposition);
    return a;
  }

  // The derived first entries of `lead`'s timeline, newest first.
  static std::vector<Activity> Derived(const Lead& lead) {
    std::vector<Activity> out;
    if (lead.created_state == LeadState::kInitialized) {
      out.push_back(Act(lead.id, lead.id, ActivityType::kInitialized, lead.created_at, std::nullopt,
                        {}, LeadState::kCreated, LeadState::kInitialized));
    }
    out.push_back(Act(lead.id, lead.id, ActivityType::kCreated, lead.created_at));
    return out;
  }

  std::vector<Activity> Timeline(const std::string& project, const std::string& id,
                                 std::size_t limit = 100) {
    auto r = store().ListActivities(project, id, limit);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : std::vector<Activity>{};
  }

  std::vector<std::string> Query(const LeadQuery& q) {
    auto r = store().QueryLeads(q);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    std::vector<std::string> ids;
    if (r) {
      for (const Lead& l : *r) ids.push_back(l.id);
    }
    return ids;
  }

  Activity StateChange(const std::string& lead_id, TimePoint at, LeadState from, LeadState to) {
    return Act(ids_.Next(kT0), lead_id, ActivityType::kStateChanged, at, "user-7", {}, from, to,
               "not_interested");
  }
};

TEST_P(LeadReadContractTest, FindLeadByReferenceOnlyWithinTheProjectsProcess) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead lead = NewLead(kP1, kP1A, "+14155550001", std::nullopt, "crm-1");
  lead.last_disposition = "callback";
  ASSERT_EQ(Insert(kP1, {lead}), (std::vector<InsertOutcome>{Inserted()}));
  ASSERT_EQ(Insert(kP2, {NewLead(kP2, kP2A, "+14155550002", std::nullopt, "crm-2")}).size(), 1u);

  auto found = store().FindLeadByReference(kP1, kP1A, "crm-1");
  ASSERT_OK(found);
  EXPECT_EQ(*found, lead);
  for (const auto& [project, process, reference] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {kP1, kP1B, "crm-1"},  // another process of the project
           {kP2, kP1A, "crm-1"},  // the process belongs to another project
           {kP2, kP2A, "crm-1"},  // another project
           {kP1, kP1A, "CRM-1"},  // exact comparison
           {kP1, kP2A, "crm-2"},  // another project's lead through its process
           {kP1, kP1A, "crm-9"}}) {
    auto r = store().FindLeadByReference(project, process, reference);
    ASSERT_OK(r);
    EXPECT_EQ(*r, std::nullopt) << project << " " << process << " " << reference;
  }
}

TEST_P(LeadReadContractTest, ALeadCreatedWithInitHasDerivedInitializedAndCreatedEntries) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead lead = NewLead(kP1, kP1A, "+14155550001");
  lead.state = LeadState::kInitialized;
  lead.created_state = LeadState::kInitialized;
  lead.next_attempt_at = kT0;
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);
  EXPECT_EQ(Get(kP1, lead.id), lead);
  const std::vector<Activity> timeline = Timeline(kP1, lead.id);
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline, Derived(lead));
  EXPECT_EQ(timeline[0].type, ActivityType::kInitialized);
  EXPECT_EQ(timeline[1].type, ActivityType::kCreated);
  EXPECT_EQ(timeline[0].at, kT0);
  EXPECT_EQ(timeline[1].at, kT0);
}

TEST_P(LeadReadContractTest, ALeadCreatedWithoutInitHasOnlyTheCreatedEntry) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead lead = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);
  EXPECT_EQ(Timeline(kP1, lead.id),
            (std::vector<Activity>{Act(lead.id, lead.id, ActivityType::kCreated, kT0)}));
}

TEST_P(LeadReadContractTest, InitThroughLeadIdsStoresAnInitializedEntryInTheSameBatch) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead lead = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);

  IngestBatch dry = Batch(kP1, {}, {lead.id});
  dry.dry_run = true;
  ASSERT_OK(store().Ingest(dry));
  EXPECT_EQ(Timeline(kP1, lead.id), Derived(lead));  // a dry run writes no entry

  IngestBatch batch = Batch(kP1, {}, {lead.id});
  batch.now = At(5000);
  ASSERT_OK(store().Ingest(batch));
  const Activity init = Act(lead.id, lead.id, ActivityType::kInitialized, At(5000), std::nullopt,
                            {}, LeadState::kCreated, LeadState::kInitialized);
  EXPECT_EQ(Timeline(kP1, lead.id), (std::vector<Activity>{init, Derived(lead)[0]}));
  // created_state records the creation, not the current state.
  EXPECT_EQ(Get(kP1, lead.id)->created_state, LeadState::kCreated);

  // Listing it again (already initialized) adds nothing.
  ASSERT_OK(store().Ingest(Batch(kP1, {}, {lead.id})));
  EXPECT_EQ(Timeline(kP1, lead.id).size(), 2u);
}

TEST_P(LeadReadContractTest, UpdatesComeFirstAndEveryActivityFieldRoundTrips) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead lead = NewLead(kP1, kP1A, "+14155550001");
  lead.state = LeadState::kInitialized;
  lead.created_state = LeadState::kInitialized;
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);

  const Activity updated = Act(ids_.Next(kT0), lead.id, ActivityType::kUpdated, At(1000), "usér 1",
                               {"name", "metadata.plan", R"(metadata.we"ird\key)",
                                "metadata.line\nbreak\t", "metadata.Zoë 🚀", ""});
  const Activity changed =
      StateChange(lead.id, At(1000), LeadState::kInitialized, LeadState::kFailed);
  // Same time as the creation: written later, so listed before the derived entries.
  const Activity same_time =
      Act(ids_.Next(kT0), lead.id, ActivityType::kUpdated, kT0, std::nullopt, {"name"});
  ASSERT_OK(store().UpdateLead(kP1, lead.id, [&](const Lead& current) -> Result<LeadMutation> {
    return LeadMutation{.lead = current, .activities = {same_time}};
  }));
  ASSERT_OK(store().UpdateLead(kP1, lead.id, [&](const Lead& current) -> Result<LeadMutation> {
    return LeadMutation{.lead = current, .activities = {updated, changed}};
  }));

  const std::vector<Activity> derived = Derived(lead);
  const std::vector<Activity> all{changed, updated, same_time, derived[0], derived[1]};
  EXPECT_EQ(Timeline(kP1, lead.id), all);
  EXPECT_EQ(Timeline(kP1, lead.id, 1), (std::vector<Activity>{changed}));
  EXPECT_EQ(Timeline(kP1, lead.id, 4), (std::vector<Activity>(all.begin(), all.begin() + 4)));
  EXPECT_EQ(Timeline(kP1, lead.id, 0), (std::vector<Activity>{}));
  // Ids match case-insensitively, as everywhere.
  std::string upper = lead.id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Timeline(kP1, upper), all);
}

TEST_P(LeadReadContractTest, ListActivitiesOfAnotherProjectsOrAnUnknownLeadIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead lead = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);
  for (const auto& [project, id] : std::vector<std::pair<std::string, std::string>>{
           {kP2, lead.id}, {kP1, "65d0000000000000000000ff"}}) {
    auto r = store().ListActivities(project, id, 10);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  }
}

TEST_P(LeadReadContractTest, QueryLeadsAppliesEachFilterAndTheirCombination) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead a = NewLead(kP1, kP1A, "+14155550001", "a@example.com", "ref-a");
  a.group_id = "g1";
  a.created_at = At(1);
  Lead b = NewLead(kP1, kP1B, "+14155550002", "b@example.com", "ref-b");
  b.group_id = "g1";
  b.state = LeadState::kInitialized;
  b.created_at = At(2);
  Lead c = NewLead(kP1, kP1A, "+14155550003", "c@example.com", "ref-c");
  c.group_id = "g2";
  c.state = LeadState::kInitialized;
  c.created_at = At(3);
  Lead d = NewLead(kP1, kP1B, std::nullopt, "d@example.com");
  d.created_at = At(4);
  // Another project with equal values everywhere.
  Lead other = NewLead(kP2, kP2A, "+14155550001", "a@example.com", "ref-a");
  other.group_id = "g1";
  other.created_at = At(1);
  ASSERT_EQ(Insert(kP1, {a, b, c, d}).size(), 4u);
  ASSERT_EQ(Insert(kP2, {other}).size(), 1u);

  auto q = [](auto&& set) {
    LeadQuery query;
    query.project_id = kP1;
    set(query);
    return query;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(Query(q([](LeadQuery&) {})), (V{d.id, c.id, b.id, a.id}));
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.process_id = kP1A; })), (V{c.id, a.id}));
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.process_id = kP2A; })), V{});
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.group_id = "g1"; })), (V{b.id, a.id}));
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.state = LeadState::kInitialized; })), (V{c.id, b.id}));
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.state = LeadState::kFailed; })), V{});
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.reference_id = "ref-b"; })), V{b.id});
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.phone = "+14155550003"; })), V{c.id});
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.email = "d@example.com"; })), V{d.id});
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.email = "D@example.com"; })), V{});
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.created_from = At(2); })), (V{d.id, c.id, b.id}));
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.created_to = At(2); })), (V{b.id, a.id}));
  EXPECT_EQ(Query(q([](LeadQuery& x) {
              x.created_from = At(2);
              x.created_to = At(3);
            })),
            (V{c.id, b.id}));
  EXPECT_EQ(Query(q([](LeadQuery& x) {
              x.group_id = "g1";
              x.state = LeadState::kInitialized;
            })),
            V{b.id});
  EXPECT_EQ(Query(q([](LeadQuery& x) {
              x.process_id = kP1A;
              x.phone = "+14155550001";
              x.email = "a@example.com";
              x.reference_id = "ref-a";
              x.group_id = "g1";
              x.state = LeadState::kCreated;
              x.created_from = At(1);
              x.created_to = At(1);
            })),
            V{a.id});
  EXPECT_EQ(Query(q([](LeadQuery& x) {
              x.process_id = kP1B;
              x.reference_id = "ref-a";
            })),
            V{});
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.limit = 2; })), (V{d.id, c.id}));
  EXPECT_EQ(Query(q([](LeadQuery& x) { x.limit = 0; })), V{});
  // The other project sees only its own lead, and an unknown project nothing.
  LeadQuery p2;
  p2.project_id = kP2;
  EXPECT_EQ(Query(p2), V{other.id});
  p2.project_id = "65a0000000000000000000ff";
  EXPECT_EQ(Query(p2), V{});
  // Leads come back whole.
  LeadQuery one = q([](LeadQuery& x) { x.email = "b@example.com"; });
  auto full = store().QueryLeads(one);
  ASSERT_OK(full);
  EXPECT_EQ(*full, (std::vector<Lead>{b}));
}

TEST_P(LeadReadContractTest, QueryLeadsBreaksCreatedAtTiesByIdDescendingAndPagesByCursor) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  std::vector<Lead> leads;
  for (int i = 0; i < 6; ++i) {
    Lead lead = NewLead(kP1, kP1A, "+1415555000" + std::to_string(i));
    lead.created_at = At(i < 3 ? 10 : 20);
    leads.push_back(lead);
  }
  // Insert out of id order, so no store can pass by returning insertion order.
  ASSERT_EQ(Insert(kP1, {leads[4], leads[1], leads[5], leads[0], leads[3], leads[2]}).size(), 6u);
  using V = std::vector<std::string>;
  const V all{leads[5].id, leads[4].id, leads[3].id, leads[2].id, leads[1].id, leads[0].id};
  LeadQuery query;
  query.project_id = kP1;
  EXPECT_EQ(Query(query), all);
  query.after = LeadCursor{leads[4].created_at, leads[4].id};
  EXPECT_EQ(Query(query), V(all.begin() + 2, all.end()));
  query.after = LeadCursor{leads[3].created_at, leads[3].id};
  query.limit = 2;
  EXPECT_EQ(Query(query), V(all.begin() + 3, all.begin() + 5));
  // A cursor needs no lead behind it: strictly after the position.
  query.after = LeadCursor{At(20), "0"};
  query.limit = 100;
  EXPECT_EQ(Query(query), V(all.begin() + 3, all.end()));
  query.after = LeadCursor{At(15), "ffffffffffffffffffffffff"};
  EXPECT_EQ(Query(query), V(all.begin() + 3, all.end()));
}

TEST_P(LeadReadContractTest, ACursorWalkSeesEveryLeadOnceWhileMoreAreInserted) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  constexpr int kLeads = 2500;
  std::vector<std::string> original;
  std::vector<Lead> batch;
  for (int i = 0; i < kLeads; ++i) {
    Lead lead = NewLead(kP1, i % 2 == 0 ? kP1A : kP1B, std::nullopt);
    lead.created_at = At(i / 7);  // runs of equal created_at, across page boundaries
    original.push_back(lead.id);
    batch.push_back(std::move(lead));
    if (batch.size() == 500) {
      ASSERT_EQ(Insert(kP1, std::move(batch)).size(), 500u);
      batch.clear();
    }
  }
  ASSERT_EQ(Insert(kP2, {NewLead(kP2, kP2A, std::nullopt)}).size(), 1u);

  std::vector<std::string> seen;
  LeadQuery query;
  query.project_id = kP1;
  query.limit = 1000;
  int pages = 0;
  int inserted = 0;
  while (true) {
    auto page = store().QueryLeads(query);
    ASSERT_OK(page);
    ++pages;
    for (const Lead& lead : *page) seen.push_back(lead.id);
    if (page->size() < query.limit) break;
    query.after = LeadCursor{page->back().created_at, page->back().id};
    // Newer leads arrive between pages, some at the very instant of the cursor (a greater id:
    // before it in the order, so not part of the rest of the walk either).
    std::vector<Lead> more;
    for (int i = 0; i < 300; ++i) {
      Lead lead = NewLead(kP1, kP1A, std::nullopt);
      lead.created_at = i == 0 ? page->back().created_at : At(1'000'000 + inserted);
      ++inserted;
      more.push_back(std::move(lead));
    }
    ASSERT_EQ(Insert(kP1, std::move(more)).size(), 300u);
  }
  EXPECT_EQ(pages, 3);
  std::vector<std::string> expected = original;
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> got = seen;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end()) << "a lead was seen twice";
  EXPECT_EQ(got, expected);
}

TEST_P(LeadReadContractTest, UpdateLeadChangesTheMutableFieldsOnlyAndAppendsAtomically) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead lead = NewLead(kP1, kP1A, "+14155550001", "a@example.com", "ref-a");
  lead.group_id = "g1";
  lead.metadata_json = R"({"plan":"basic"})";
  lead.state = LeadState::kInitialized;
  lead.created_state = LeadState::kInitialized;
  lead.attempts = 1;
  lead.next_attempt_at = kT0;
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);

  const Activity changed =
      StateChange(lead.id, At(7000), LeadState::kInitialized, LeadState::kSucceeded);
  int calls = 0;
  auto result = store().UpdateLead(kP1, lead.id, [&](const Lead& current) -> Result<LeadMutation> {
    ++calls;
    EXPECT_EQ(current, lead);
    LeadMutation m{.lead = current, .activities = {changed}};
    m.lead.name = "John Roe";
    m.lead.first_name = std::nullopt;
    m.lead.last_name = "Roe";
    m.lead.metadata_json = R"({"plan":"gold"})";
    m.lead.state = LeadState::kSucceeded;
    m.lead.last_disposition = "interested";
    m.lead.next_attempt_at = std::nullopt;
    m.lead.updated_at = At(7000);
    // Identity, contact, creation and attempts are not the update's to change.
    m.lead.id = "65d0000000000000000000ee";
    m.lead.project_id = kP2;
    m.lead.process_id = kP1B;
    m.lead.group_id = "g9";
    m.lead.phone = "+14155559999";
    m.lead.email = "z@example.com";
    m.lead.reference_id = "ref-z";
    m.lead.created_at = At(-5);
    m.lead.created_state = LeadState::kCreated;
    m.lead.attempts = 9;
    return m;
  });
  ASSERT_OK(result);
  EXPECT_EQ(calls, 1);
  Lead expected = lead;
  expected.name = "John Roe";
  expected.first_name = std::nullopt;
  expected.last_name = "Roe";
  expected.metadata_json = R"({"plan":"gold"})";
  expected.state = LeadState::kSucceeded;
  expected.last_disposition = "interested";
  expected.next_attempt_at = std::nullopt;
  expected.updated_at = At(7000);
  EXPECT_EQ(*result, expected);
  EXPECT_EQ(Get(kP1, lead.id), expected);
  EXPECT_EQ(Get(kP1, "65d0000000000000000000ee"), std::nullopt);
  EXPECT_EQ(Timeline(kP1, lead.id),
            (std::vector<Activity>{changed, Derived(lead)[0], Derived(lead)[1]}));
  auto by_ref = store().FindLeadByReference(kP1, kP1A, "ref-a");
  ASSERT_OK(by_ref);
  EXPECT_EQ(*by_ref, expected);
  EXPECT_EQ(Count(kP2), 0);
}

TEST_P(LeadReadContractTest, AMutateErrorIsReturnedAsIsAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead lead = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);
  auto result = store().UpdateLead(kP1, lead.id, [&](const Lead&) -> Result<LeadMutation> {
    return MakeError(ErrorCode::kFailedPrecondition, "call in progress");
  });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().message, "call in progress");
  EXPECT_EQ(Get(kP1, lead.id), lead);
  EXPECT_EQ(Timeline(kP1, lead.id), Derived(lead));
  // And the store goes on working.
  ASSERT_OK(store().UpdateLead(kP1, lead.id, [&](const Lead& current) -> Result<LeadMutation> {
    return LeadMutation{.lead = current, .activities = {}};
  }));
}

TEST_P(LeadReadContractTest, UpdateLeadOfAnotherProjectsOrAnUnknownLeadIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  const Lead lead = NewLead(kP1, kP1A, "+14155550001");
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);
  for (const auto& [project, id] : std::vector<std::pair<std::string, std::string>>{
           {kP2, lead.id}, {kP1, "65d0000000000000000000ff"}}) {
    bool called = false;
    auto r = store().UpdateLead(project, id, [&](const Lead& current) -> Result<LeadMutation> {
      called = true;
      return LeadMutation{.lead = current, .activities = {}};
    });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(called);
  }
  EXPECT_EQ(Get(kP1, lead.id), lead);
}

TEST_P(LeadReadContractTest, ConcurrentUpdatesOfOneLeadLoseNothing) {
  ASSERT_NO_FATAL_FAILURE(Seed());
  Lead lead = NewLead(kP1, kP1A, "+14155550001");
  lead.metadata_json = R"({"seen":""})";
  ASSERT_EQ(Insert(kP1, {lead}).size(), 1u);
  constexpr int kThreads = 8;
  std::vector<Activity> activities;
  for (int i = 0; i < kThreads; ++i) {
    activities.push_back(Act(ids_.Next(kT0), lead.id, ActivityType::kUpdated, At(1000 + i),
                             std::nullopt, {"metadata.seen"}));
  }
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto r = store().UpdateLead(kP1, lead.id, [&](const Lead& current) -> Result<LeadMutation> {
        // {"seen":"<digits>"}: append this thread's digit to what the given lead holds.
        const std::string& meta = *current.metadata_json;
        const std::string seen = meta.substr(9, meta.size() - 11);
        LeadMutation m{.lead = current, .activities = {activities[i]}};
        m.lead.metadata_json = R"({"seen":")" + seen + std::to_string(i) + R"("})";
        m.lead.updated_at = At(1000 + i);
        return m;
      });
      if (!r) failures.fetch_add(1);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  auto stored = Get(kP1, lead.id);
  ASSERT_TRUE(stored.has_value());
  std::string seen = stored->metadata_json->substr(9, stored->metadata_json->size() - 11);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, "01234567");
  const std::vector<Activity> timeline = Timeline(kP1, lead.id);
  ASSERT_EQ(timeline.size(), static_cast<std::size_t>(kThreads) + 1);
  std::vector<Activity> expected(activities.rbegin(), activities.rend());  // newest first
  expected.push_back(Derived(lead)[0]);
  EXPECT_EQ(timeline, expected);
}

// ---- the key guard and idempotency suites' parameter: a store under test over a LeadStore ----

template <class Store>
struct LayeredFactory {
  using Over = std::function<Result<std::unique_ptr<Store>>(LeadStore& base)>;

  // The LeadStore itself is under test (implicit: `::testing::Values(MemoryFactory())`).
  LayeredFactory(LeadStoreFactory base)  // NOLINT(google-explicit-constructor)
      : name(base.name), lead_store(std::move(base)) {}
  LayeredFactory(std::string name_, LeadStoreFactory base, Over over_, bool needs_services_)
      : name(std::move(name_)),
        lead_store(std::move(base)),
        over(std::move(over_)),
        needs_services(needs_services_) {}

  std::string name;             // the instantiation's test-name suffix
  LeadStoreFactory lead_store;  // holds projects and API keys
  Over over;                    // builds the store under test over the LeadStore; unset: itself
  bool needs_services = false;  // skipped outside ctest (no PostgreSQL / Redis)
};

template <class Store>
void PrintTo(const LayeredFactory<Store>& factory, std::ostream* os) {
  *os << factory.name;
}

template <class Store>
class LayeredContractTest : public ::testing::TestWithParam<LayeredFactory<Store>> {
 protected:
  void SetUp() override {
    const LayeredFactory<Store>& factory = this->GetParam();
    if (factory.needs_services) LEADGATE_REQUIRE_SERVICES();
    auto base = factory.lead_store.make(scratch_.path());
    ASSERT_TRUE(base.has_value()) << base.error().ToString();
    leads_ = std::move(*base);
    if (!factory.over) {
      under_test_ = leads_.get();
      return;
    }
    auto layered = factory.over(*leads_);
    ASSERT_TRUE(layered.has_value()) << layered.error().ToString();
    owned_ = std::move(*layered);
    under_test_ = owned_.get();
  }

  LeadStore& leads() { return *leads_; }  // projects and keys
  Store& store() { return *under_test_; }

 private:
  TempDir scratch_;  // declared first: outlives the stores
  std::unique_ptr<LeadStore> leads_;
  std::unique_ptr<Store> owned_;  // over leads_: destroyed first
  Store* under_test_ = nullptr;
};

using KeyGuardFactory = LayeredFactory<KeyGuardStore>;
using IdempotencyFactory = LayeredFactory<IdempotencyStore>;

// ================= key guard (duplicate-abuse state) =================

constexpr char kKey1[] = "65c000000000000000000001";
constexpr char kKey2[] = "65c000000000000000000002";
constexpr char kUnknownKey[] = "65c0000000000000000000ff";
constexpr std::chrono::milliseconds kWindow{60'000};
constexpr int kMaxStrikes = 5;
constexpr std::chrono::milliseconds kBlockFor{60 * 60'000};

class KeyGuardContractTest : public LayeredContractTest<KeyGuardStore> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(LayeredContractTest::SetUp());
    if (IsSkipped()) return;
    ASSERT_OK(leads().CreateProject(MakeProject(kP1)));
    for (const char* id : {kKey1, kKey2}) {
      ASSERT_OK(leads().CreateApiKey({.id = id,
                                      .project_id = kP1,
                                      .secret_hash = std::string(64, 'c'),
                                      .revoked = false,
                                      .created_at = kT0}));
    }
  }

  KeyGuardState Strike(TimePoint now, const std::string& key = kKey1) {
    auto r = store().RecordStrike(key, now, kWindow, kMaxStrikes, kBlockFor);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : KeyGuardState{.strikes = -1, .blocked_until = std::nullopt};
  }

  KeyGuardState Guard(TimePoint now, const std::string& key = kKey1) {
    auto r = store().GetKeyGuard(key, now, kWindow);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : KeyGuardState{.strikes = -1, .blocked_until = std::nullopt};
  }

  static KeyGuardState State(int strikes, std::optional<TimePoint> blocked_until = std::nullopt) {
    return KeyGuardState{.strikes = strikes, .blocked_until = blocked_until};
  }
};

TEST_P(KeyGuardContractTest, AFreshKeyHasNoStrikesAndNoBlock) { EXPECT_EQ(Guard(kT0), State(0)); }

TEST_P(KeyGuardContractTest, StrikesAreCountedWithinTheWindowAndForgottenAfterIt) {
  EXPECT_EQ(Strike(At(0)), State(1));
  EXPECT_EQ(Strike(At(10'000)), State(2));
  EXPECT_EQ(Strike(At(20'000)), State(3));
  EXPECT_EQ(Guard(At(20'000)), State(3));
  EXPECT_EQ(Guard(At(59'999)), State(3));
  // The window is (now - window, now]: a strike exactly `window` old is forgotten.
  EXPECT_EQ(Guard(At(60'000)), State(2));
  EXPECT_EQ(Guard(At(70'000)), State(1));
  EXPECT_EQ(Guard(At(80'000)), State(0));
  // A new strike counts only what is left in its own window.
  EXPECT_EQ(Strike(At(75'000)), State(2));  // 20'000 and 75'000
  EXPECT_EQ(Guard(At(75'000)), State(2));
  // Keys are counted apart.
  EXPECT_EQ(Guard(At(75'000), kKey2), State(0));
  EXPECT_EQ(Strike(At(75'000), kKey2), State(1));
  EXPECT_EQ(Guard(At(75'000)), State(2));
}

TEST_P(KeyGuardContractTest, TheBlockStartsExactlyWhenStrikesExceedTheMaximum) {
  for (int i = 0; i < kMaxStrikes; ++i) {
    EXPECT_EQ(Strike(At(i * 1000)), State(i + 1)) << "strike " << i + 1;
  }
  EXPECT_EQ(Guard(At(4'500)), State(kMaxStrikes));
  const TimePoint until = At(5'000) + kBlockFor;
  EXPECT_EQ(Strike(At(5'000)), State(kMaxStrikes + 1, until));
  EXPECT_EQ(Guard(At(5'000)), State(kMaxStrikes + 1, until));
  EXPECT_EQ(Guard(At(30'000)), State(kMaxStrikes + 1, until));
  // The strikes age out of the window; the block does not.
  EXPECT_EQ(Guard(At(120'000)), State(0, until));
  // The other key is untouched.
  EXPECT_EQ(Guard(At(5'000), kKey2), State(0));
}

TEST_P(KeyGuardContractTest, StrikesDuringABlockAreCountedButDoNotExtendIt) {
  for (int i = 0; i <= kMaxStrikes; ++i) Strike(At(i));
  const TimePoint until = At(kMaxStrikes) + kBlockFor;
  ASSERT_EQ(Guard(At(kMaxStrikes)), State(kMaxStrikes + 1, until));
  EXPECT_EQ(Strike(At(100)), State(kMaxStrikes + 2, until));
  EXPECT_EQ(Strike(At(200)), State(kMaxStrikes + 3, until));
  EXPECT_EQ(Strike(At(30 * 60'000)), State(1, until));
  for (int i = 1; i <= 2 * kMaxStrikes; ++i) {
    EXPECT_EQ(Strike(At(30 * 60'000 + i)), State(i + 1, until));
  }
  EXPECT_EQ(Guard(At(30 * 60'000 + 100)), State(2 * kMaxStrikes + 1, until));
}

TEST_P(KeyGuardContractTest, AnExpiredBlockIsHiddenAndFurtherStrikesCanBlockAgain) {
  for (int i = 0; i <= kMaxStrikes; ++i) Strike(At(i));
  const TimePoint until = At(kMaxStrikes) + kBlockFor;
  EXPECT_EQ(Guard(until - std::chrono::milliseconds(1)), State(0, until));
  // blocked_until is set only while it is in the future.
  EXPECT_EQ(Guard(until), State(0));
  EXPECT_EQ(Guard(until + kWindow), State(0));

  // After the block, strikes start over towards a new one.
  const TimePoint later = until + std::chrono::milliseconds(10);
  for (int i = 0; i < kMaxStrikes; ++i) {
    EXPECT_EQ(Strike(later + std::chrono::milliseconds(i)), State(i + 1));
  }
  const TimePoint sixth = later + std::chrono::milliseconds(kMaxStrikes);
  EXPECT_EQ(Strike(sixth), State(kMaxStrikes + 1, sixth + kBlockFor));
  EXPECT_EQ(Guard(sixth), State(kMaxStrikes + 1, sixth + kBlockFor));
}

TEST_P(KeyGuardContractTest, StrikesLeftInTheWindowWhenABlockEndsBlockAgainAtTheNextStrike) {
  // A block shorter than the window: the strikes that caused it are still counted at its end.
  const std::chrono::milliseconds short_block{10'000};
  for (int i = 0; i <= kMaxStrikes; ++i) {
    ASSERT_OK(store().RecordStrike(kKey1, At(i), kWindow, kMaxStrikes, short_block));
  }
  const TimePoint until = At(kMaxStrikes) + short_block;
  EXPECT_EQ(Guard(until), State(kMaxStrikes + 1));
  auto again = store().RecordStrike(kKey1, until, kWindow, kMaxStrikes, short_block);
  ASSERT_OK(again);
  EXPECT_EQ(*again, State(kMaxStrikes + 2, until + short_block));
}

TEST_P(KeyGuardContractTest, UnblockClearsTheBlockAndTheStrikes) {
  for (int i = 0; i <= kMaxStrikes; ++i) Strike(At(i));
  ASSERT_EQ(Guard(At(10)).blocked_until, At(kMaxStrikes) + kBlockFor);
  ASSERT_OK(store().UnblockKey(kKey1));
  EXPECT_EQ(Guard(At(10)), State(0));
  EXPECT_EQ(Strike(At(11)), State(1));
  ASSERT_OK(store().UnblockKey(kKey1));
  EXPECT_EQ(Guard(At(12)), State(0));
  ASSERT_OK(store().UnblockKey(kKey2));  // nothing to lift is fine
  EXPECT_EQ(Guard(At(12), kKey2), State(0));
}

TEST_P(KeyGuardContractTest, RevokedKeysKeepTheirState) {
  for (int i = 0; i <= kMaxStrikes; ++i) Strike(At(i));
  ASSERT_OK(leads().RevokeApiKey(kKey1));
  EXPECT_EQ(Guard(At(10)), State(kMaxStrikes + 1, At(kMaxStrikes) + kBlockFor));
}

TEST_P(KeyGuardContractTest, UnknownKeysAreNotFound) {
  auto strike = store().RecordStrike(kUnknownKey, kT0, kWindow, kMaxStrikes, kBlockFor);
  ASSERT_FALSE(strike.has_value());
  EXPECT_EQ(strike.error().code, ErrorCode::kNotFound);
  auto guard = store().GetKeyGuard(kUnknownKey, kT0, kWindow);
  ASSERT_FALSE(guard.has_value());
  EXPECT_EQ(guard.error().code, ErrorCode::kNotFound);
  auto unblock = store().UnblockKey(kUnknownKey);
  ASSERT_FALSE(unblock.has_value());
  EXPECT_EQ(unblock.error().code, ErrorCode::kNotFound);
  // ... and recorded nothing for anyone.
  EXPECT_EQ(Guard(kT0), State(0));
}

TEST_P(KeyGuardContractTest, ConcurrentStrikesAreAllCounted) {
  constexpr int kThreads = 8;
  constexpr int kStrikesEach = 10;
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kStrikesEach; ++i) {
        // A maximum nobody reaches, so every strike is a plain count.
        if (!store().RecordStrike(kKey1, At(i), kWindow, 1000, kBlockFor)) ++failures;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Guard(At(kStrikesEach)), State(kThreads * kStrikesEach));
}

TEST_P(KeyGuardContractTest, ConcurrentStrikesPastTheMaximumBlockOnce) {
  constexpr int kThreads = 8;
  std::vector<Result<KeyGuardState>> results(kThreads, MakeError(ErrorCode::kInternal, ""));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] = store().RecordStrike(kKey1, At(i), kWindow, kMaxStrikes, kBlockFor);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  // Strikes 6, 7 and 8 (in whatever order they landed) find the key blocked by strike 6.
  std::vector<int> seen;
  std::optional<TimePoint> until;
  for (const auto& r : results) {
    ASSERT_OK(r);
    seen.push_back(r->strikes);
    if (r->strikes <= kMaxStrikes) {
      EXPECT_EQ(r->blocked_until, std::nullopt) << r->strikes;
    } else {
      ASSERT_TRUE(r->blocked_until.has_value()) << r->strikes;
      if (r->strikes == kMaxStrikes + 1) until = r->blocked_until;
    }
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));
  ASSERT_TRUE(until.has_value());
  for (const auto& r : results) {
    if (r->strikes > kMaxStrikes) {
      EXPECT_EQ(r->blocked_until, until);
    }
  }
  EXPECT_EQ(Guard(At(kThreads)), State(kThreads, until));
}

// ================= idempotency records =================

constexpr char kIdemKey[] = "client-key-1";
constexpr std::chrono::milliseconds kTtl{24 * 60 * 60'000};
constexpr std::chrono::milliseconds kStaleAfter{5 * 60'000};
const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

class IdempotencyContractTest : public LayeredContractTest<IdempotencyStore> {
 protected:
  // The status Begin returns (and, for kReplay, the response in *replayed).
  IdempotencyStatus Begin(TimePoint now, const std::string& hash = kHashA,
                          const std::string& scope = kP1, const std::string& key = kIdemKey,
                          StoredResponse* replayed = nullptr) {
    auto r = store().BeginIdempotent(scope, key, hash, now, kTtl, kStaleAfter);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    if (!r) return IdempotencyStatus::kMismatch;
    if (replayed != nullptr) *replayed = r->response;
    return r->status;
  }

  StoredResponse Replayed(TimePoint now, const std::string& hash = kHashA,
                          const std::string& scope = kP1, const std::string& key = kIdemKey) {
    StoredResponse response;
    EXPECT_EQ(Begin(now, hash, scope, key, &response), IdempotencyStatus::kReplay);
    return response;
  }
};

// Every byte value, NUL and invalid UTF-8 included: the store does not interpret the body.
std::string AwkwardBody() {
  std::string body = R"({"success":true,"name":"Zoë 🚀","note":"line\nbreak"})";
  for (int c = 0; c < 256; ++c) body.push_back(static_cast<char>(c));
  return body;
}

TEST_P(IdempotencyContractTest, TheFirstBeginStartsAndACompletedRecordIsReplayedByteForByte) {
  EXPECT_EQ(Begin(At(0)), IdempotencyStatus::kStarted);
  const StoredResponse response{.status = 201, .body = AwkwardBody()};
  ASSERT_OK(store().CompleteIdempotent(kP1, kIdemKey, response));
  EXPECT_EQ(Replayed(At(1)), response);
  EXPECT_EQ(Replayed(At(2)), response);  // replaying changes nothing

  // Other statuses and an empty body round-trip too.
  EXPECT_EQ(Begin(At(3), kHashA, kP1, "k2"), IdempotencyStatus::kStarted);
  const StoredResponse empty{.status = 400, .body = ""};
  ASSERT_OK(store().CompleteIdempotent(kP1, "k2", empty));
  EXPECT_EQ(Replayed(At(4), kHashA, kP1, "k2"), empty);
}

TEST_P(IdempotencyContractTest, AnotherHashIsAMismatchWhateverTheRecordsState) {
  ASSERT_EQ(Begin(At(0)), IdempotencyStatus::kStarted);
  EXPECT_EQ(Begin(At(1), kHashB), IdempotencyStatus::kMismatch);                // in progress
  EXPECT_EQ(Begin(At(0) + kStaleAfter, kHashB), IdempotencyStatus::kMismatch);  // stale
  EXPECT_EQ(Begin(At(2)), IdempotencyStatus::kInProgress);  // the mismatches took nothing over
  ASSERT_OK(store().CompleteIdempotent(kP1, kIdemKey, {.status = 200, .body = "{}"}));
  EXPECT_EQ(Begin(At(3), kHashB), IdempotencyStatus::kMismatch);  // completed
  EXPECT_EQ(Replayed(At(4)), (StoredResponse{.status = 200, .body = "{}"}));
}

TEST_P(IdempotencyContractTest, ARecordIsInProgressUntilStaleThenTakenOver) {
  ASSERT_EQ(Begin(At(0)), IdempotencyStatus::kStarted);
  EXPECT_EQ(Begin(At(1)), IdempotencyStatus::kInProgress);
  EXPECT_EQ(Begin(At(0) + kStaleAfter - std::chrono::milliseconds(1)),
            IdempotencyStatus::kInProgress);
  // Exactly stale_after old: no longer "less than stale_after ago".
  const TimePoint takeover = At(0) + kStaleAfter;
  EXPECT_EQ(Begin(takeover), IdempotencyStatus::kStarted);
  // The taken-over record counts as created at the takeover.
  EXPECT_EQ(Begin(takeover + std::chrono::milliseconds(1)), IdempotencyStatus::kInProgress);
  EXPECT_EQ(Begin(takeover + kStaleAfter - std::chrono::milliseconds(1)),
            IdempotencyStatus::kInProgress);
  ASSERT_OK(store().CompleteIdempotent(kP1, kIdemKey, {.status = 200, .body = "{\"n\":2}"}));
  // Completed records never go stale: they replay until they expire.
  EXPECT_EQ(Replayed(takeover + 2 * kStaleAfter), (StoredResponse{200, "{\"n\":2}"}));
}

TEST_P(IdempotencyContractTest, AnExpiredRecordIsReplacedWhateverItHeld) {
  ASSERT_EQ(Begin(At(0)), IdempotencyStatus::kStarted);
  ASSERT_OK(store().CompleteIdempotent(kP1, kIdemKey, {.status = 200, .body = "{\"old\":1}"}));
  // Exactly ttl old is not "more than ttl": still replayed.
  EXPECT_EQ(Replayed(At(0) + kTtl), (StoredResponse{200, "{\"old\":1}"}));
  // Past it the record is absent: a new request, even with another body, starts afresh.
  const TimePoint later = At(1) + kTtl;
  EXPECT_EQ(Begin(later, kHashB), IdempotencyStatus::kStarted);
  EXPECT_EQ(Begin(later + std::chrono::milliseconds(1), kHashB), IdempotencyStatus::kInProgress);
  EXPECT_EQ(Begin(later + std::chrono::milliseconds(2), kHashA), IdempotencyStatus::kMismatch);
  ASSERT_OK(store().CompleteIdempotent(kP1, kIdemKey, {.status = 201, .body = "{\"new\":1}"}));
  EXPECT_EQ(Replayed(later + std::chrono::milliseconds(3), kHashB),
            (StoredResponse{201, "{\"new\":1}"}));

  // An expired in-progress record (with another hash) is replaced too.
  EXPECT_EQ(Begin(At(0), kHashA, kP1, "k2"), IdempotencyStatus::kStarted);
  EXPECT_EQ(Begin(At(1) + kTtl, kHashB, kP1, "k2"), IdempotencyStatus::kStarted);
  EXPECT_EQ(Begin(At(2) + kTtl, kHashB, kP1, "k2"), IdempotencyStatus::kInProgress);
}

TEST_P(IdempotencyContractTest, CompleteNeedsAnInProgressRecord) {
  auto missing = store().CompleteIdempotent(kP1, kIdemKey, {.status = 200, .body = "{}"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // Still nothing there: Complete creates no record.
  EXPECT_EQ(Begin(At(0)), IdempotencyStatus::kStarted);

  ASSERT_OK(store().CompleteIdempotent(kP1, kIdemKey, {.status = 200, .body = "{\"first\":1}"}));
  // Completing again is refused and the first response stands.
  auto twice = store().CompleteIdempotent(kP1, kIdemKey, {.status = 500, .body = "{\"x\":1}"});
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Replayed(At(1)), (StoredResponse{200, "{\"first\":1}"}));

  // An abandoned record is gone.
  EXPECT_EQ(Begin(At(2), kHashA, kP1, "k2"), IdempotencyStatus::kStarted);
  ASSERT_OK(store().AbandonIdempotent(kP1, "k2"));
  auto abandoned = store().CompleteIdempotent(kP1, "k2", {.status = 200, .body = "{}"});
  ASSERT_FALSE(abandoned.has_value());
  EXPECT_EQ(abandoned.error().code, ErrorCode::kNotFound);
}

TEST_P(IdempotencyContractTest, AbandonLetsTheNextAttemptStartAgain) {
  ASSERT_EQ(Begin(At(0)), IdempotencyStatus::kStarted);
  ASSERT_OK(store().AbandonIdempotent(kP1, kIdemKey));
  EXPECT_EQ(Begin(At(1)), IdempotencyStatus::kStarted);
  EXPECT_EQ(Begin(At(2)), IdempotencyStatus::kInProgress);
  // After an abandon the key is free for another body too.
  ASSERT_OK(store().AbandonIdempotent(kP1, kIdemKey));
  EXPECT_EQ(Begin(At(3), kHashB), IdempotencyStatus::kStarted);
  // Abandon deletes a completed record as well; a missing one is fine.
  ASSERT_OK(store().CompleteIdempotent(kP1, kIdemKey, {.status = 200, .body = "{}"}));
  ASSERT_OK(store().AbandonIdempotent(kP1, kIdemKey));
  EXPECT_EQ(Begin(At(4)), IdempotencyStatus::kStarted);
  ASSERT_OK(store().AbandonIdempotent(kP1, kIdemKey));
  ASSERT_OK(store().AbandonIdempotent(kP1, kIdemKey));
  ASSERT_OK(store().AbandonIdempotent(kP2, "never-used"));
}

TEST_P(IdempotencyContractTest, ScopesAndKeysAreIsolated) {
  ASSERT_EQ(Begin(At(0), kHashA, kP1, kIdemKey), IdempotencyStatus::kStarted);
  EXPECT_EQ(Begin(At(0), kHashB, kP2, kIdemKey), IdempotencyStatus::kStarted);
  EXPECT_EQ(Begin(At(0), kHashB, kP1, "client-key-10"), IdempotencyStatus::kStarted);
  ASSERT_OK(store().CompleteIdempotent(kP1, kIdemKey, {.status = 200, .body = "{\"p\":1}"}));
  EXPECT_EQ(Begin(At(1), kHashB, kP2, kIdemKey), IdempotencyStatus::kInProgress);
  ASSERT_OK(store().CompleteIdempotent(kP2, kIdemKey, {.status = 201, .body = "{\"p\":2}"}));
  EXPECT_EQ(Replayed(At(2), kHashA, kP1, kIdemKey), (StoredResponse{200, "{\"p\":1}"}));
  EXPECT_EQ(Replayed(At(2), kHashB, kP2, kIdemKey), (StoredResponse{201, "{\"p\":2}"}));
  ASSERT_OK(store().AbandonIdempotent(kP2, kIdemKey));
  EXPECT_EQ(Replayed(At(3), kHashA, kP1, kIdemKey), (StoredResponse{200, "{\"p\":1}"}));
  EXPECT_EQ(Begin(At(3), kHashB, kP1, "client-key-10"), IdempotencyStatus::kInProgress);
}

TEST_P(IdempotencyContractTest, EightThreadsRacingOnOneKeyStartExactlyOnce) {
  constexpr int kThreads = 8;
  std::vector<Result<IdempotencyBegin>> results(kThreads, MakeError(ErrorCode::kInternal, ""));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      results[i] = store().BeginIdempotent(kP1, kIdemKey, kHashA, At(i), kTtl, kStaleAfter);
    });
  }
  for (auto& t : threads) t.join();
  int started = 0;
  int in_progress = 0;
  for (const auto& r : results) {
    ASSERT_OK(r);
    if (r->status == IdempotencyStatus::kStarted) ++started;
    if (r->status == IdempotencyStatus::kInProgress) ++in_progress;
  }
  EXPECT_EQ(started, 1);
  EXPECT_EQ(in_progress, kThreads - 1);
}

// ================= the implementations under test =================

// Names every suite's instantiations (LeadStoreFactory and LayeredFactory parameters alike).
const auto FactoryName = [](const auto& info) { return info.param.name; };

// ---- the Redis-backed key guard and idempotency stores (need the ctest Redis) ----

std::unique_ptr<limits::RedisClient> TestRedisClient() {
  auto client = limits::RedisClient::Create({.url = leadgate::testing::GetTestServices()->redis_url,
                                             .key_prefix = leadgate::testing::UniqueRedisPrefix()});
  EXPECT_TRUE(client.has_value()) << client.error().ToString();
  return client ? std::move(*client) : nullptr;
}

// RedisKeyGuard owning its client, over `base` for key existence.
class OwningRedisKeyGuard final : public KeyGuardStore {
 public:
  OwningRedisKeyGuard(std::unique_ptr<limits::RedisClient> client, LeadStore& base)
      : client_(std::move(client)), guard_(*client_, limits::KeyExistsIn(base)) {}
  Result<KeyGuardState> RecordStrike(const std::string& key_id, TimePoint now,
                                     std::chrono::milliseconds window, int max_strikes,
                                     std::chrono::milliseconds block_for) override {
    return guard_.RecordStrike(key_id, now, window, max_strikes, block_for);
  }
  Result<KeyGuardState> GetKeyGuard(const std::string& key_id, TimePoint now,
                                    std::chrono::milliseconds window) override {
    return guard_.GetKeyGuard(key_id, now, window);
  }
  Status UnblockKey(const std::string& key_id) override { return guard_.UnblockKey(key_id); }

 private:
  std::unique_ptr<limits::RedisClient> client_;
  limits::RedisKeyGuard guard_;
};

// RedisIdempotencyStore owning its client, with `base` as the durable store.
class OwningRedisIdempotencyStore final : public IdempotencyStore {
 public:
  OwningRedisIdempotencyStore(std::unique_ptr<limits::RedisClient> client, LeadStore& base)
      : client_(std::move(client)), store_(*client_, base) {}
  Result<IdempotencyBegin> BeginIdempotent(const std::string& scope, const std::string& key,
                                           const std::string& request_hash, TimePoint now,
                                           std::chrono::milliseconds ttl,
                                           std::chrono::milliseconds stale_after) override {
    return store_.BeginIdempotent(scope, key, request_hash, now, ttl, stale_after);
  }
  Status CompleteIdempotent(const std::string& scope, const std::string& key,
                            const StoredResponse& response) override {
    return store_.CompleteIdempotent(scope, key, response);
  }
  Status AbandonIdempotent(const std::string& scope, const std::string& key) override {
    return store_.AbandonIdempotent(scope, key);
  }

 private:
  std::unique_ptr<limits::RedisClient> client_;
  limits::RedisIdempotencyStore store_;
};

KeyGuardFactory RedisKeyGuardFactory() {
  return {"RedisOverMemory", MemoryFactory(),
          [](LeadStore& base) -> Result<std::unique_ptr<KeyGuardStore>> {
            auto client = TestRedisClient();
            if (!client) return MakeError(ErrorCode::kUnavailable, "no test Redis");
            return std::make_unique<OwningRedisKeyGuard>(std::move(client), base);
          },
          true};
}

IdempotencyFactory RedisIdempotencyFactory() {
  return {"RedisOverSqlite", SqliteFactory(),
          [](LeadStore& base) -> Result<std::unique_ptr<IdempotencyStore>> {
            auto client = TestRedisClient();
            if (!client) return MakeError(ErrorCode::kUnavailable, "no test Redis");
            return std::make_unique<OwningRedisIdempotencyStore>(std::move(client), base);
          },
          true};
}

INSTANTIATE_TEST_SUITE_P(Memory, LeadStoreContractTest, ::testing::Values(MemoryFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Sqlite, LeadStoreContractTest, ::testing::Values(SqliteFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Memory, LeadReadContractTest, ::testing::Values(MemoryFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Sqlite, LeadReadContractTest, ::testing::Values(SqliteFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Memory, KeyGuardContractTest, ::testing::Values(MemoryFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Sqlite, KeyGuardContractTest, ::testing::Values(SqliteFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Memory, IdempotencyContractTest, ::testing::Values(MemoryFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Sqlite, IdempotencyContractTest, ::testing::Values(SqliteFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Redis, KeyGuardContractTest, ::testing::Values(RedisKeyGuardFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Redis, IdempotencyContractTest,
                         ::testing::Values(RedisIdempotencyFactory()), FactoryName);

// PostgreSQL: a fresh database per test on the ctest services cluster. Outside ctest the helper
// records a skip and the factory hands SetUp an empty in-memory store it never uses (gtest does
// not run the body of a skipped test); GTEST_SKIP cannot return from the factory itself.
void RequirePostgres() { LEADGATE_REQUIRE_SERVICES(); }
LeadStoreFactory PostgresFactory() {
  return {"Postgres", [](const std::filesystem::path&) -> Result<std::unique_ptr<LeadStore>> {
            RequirePostgres();
            if (::testing::Test::IsSkipped()) return std::make_unique<storage::MemoryLeadStore>();
            storage::PostgresOptions options;
            options.url = leadgate::testing::CreateScratchDatabase();
            options.pool_size = 4;
            auto store = storage::PostgresLeadStore::Open(options);
            if (!store) return std::unexpected(store.error());
            return std::unique_ptr<LeadStore>(std::move(*store));
          }};
}
INSTANTIATE_TEST_SUITE_P(Postgres, LeadStoreContractTest, ::testing::Values(PostgresFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Postgres, LeadReadContractTest, ::testing::Values(PostgresFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Postgres, KeyGuardContractTest, ::testing::Values(PostgresFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Postgres, IdempotencyContractTest, ::testing::Values(PostgresFactory()),
                         FactoryName);

}  // namespace
}  // namespace leadgate::core

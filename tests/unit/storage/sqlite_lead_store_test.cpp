// SqliteLeadStore beyond the shared contract (tests/contract/lead_store_contract_test.cpp): the
// file outlives the object, migrations (from an empty file and from the released schema 1), the
// pragmas in effect, the idempotency sweep, and races between threads and between two stores on
// one file.
#include "storage/sqlite_lead_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/object_id.hpp"
#include "storage/sqlite_migrations.hpp"
#include "support/test_util.hpp"

namespace leadgate::storage {
namespace {

using core::ErrorCode;
using core::InsertStatus;
using core::Lead;
using leadgate::testing::TempDir;

constexpr char kProject[] = "65a000000000000000000001";
constexpr char kProcessA[] = "65b000000000000000000001";
constexpr char kProcessB[] = "65b000000000000000000002";
const core::TimePoint kT0 = core::FromUnixMillis(1795953600123);

// Runs sql on the file through a separate raw connection; returns the first column of each row.
std::vector<std::string> RawQuery(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> rows;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    rows.emplace_back(text == nullptr ? "NULL" : text);
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

class SqliteLeadStoreTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return (dir_.path() / "data" / "leadgate.db").string(); }

  std::unique_ptr<SqliteLeadStore> OpenOrDie() { return OpenOrDie({.path = DbPath()}); }
  std::unique_ptr<SqliteLeadStore> OpenOrDie(const SqliteOptions& options) {
    auto store = SqliteLeadStore::Open(options);
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return store ? std::move(*store) : nullptr;
  }

  static void Seed(core::LeadStore& store) {
    ASSERT_OK(store.CreateProject(
        {.id = kProject, .name = "p", .created_at = kT0, .rate_limit = std::nullopt}));
    ASSERT_OK(store.CreateProcess(
        {.id = kProcessA, .project_id = kProject, .name = "a", .created_at = kT0}));
    ASSERT_OK(store.CreateProcess(
        {.id = kProcessB, .project_id = kProject, .name = "b", .created_at = kT0}));
  }

  Lead NewLead(const std::string& process, std::optional<std::string> phone,
               std::optional<std::string> email) {
    Lead lead;
    lead.id = ids_.Next(kT0);
    lead.project_id = kProject;
    lead.process_id = process;
    lead.first_name = "Jane";
    lead.phone = std::move(phone);
    lead.email = std::move(email);
    lead.metadata_json = R"({"n":1})";
    lead.created_at = kT0;
    lead.updated_at = kT0;
    return lead;
  }

  core::IngestBatch Batch(std::vector<Lead> leads) {
    core::IngestBatch batch;
    batch.project_id = kProject;
    batch.new_leads = std::move(leads);
    batch.now = kT0;
    return batch;
  }

  TempDir dir_;
  core::ObjectIdGenerator ids_{{9, 9, 9, 9, 9}, 1};
};

TEST_F(SqliteLeadStoreTest, CreatesMissingParentDirectories) {
  ASSERT_FALSE(std::filesystem::exists(dir_.path() / "data"));
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(DbPath()));
}

TEST_F(SqliteLeadStoreTest, EveryCommittedLeadIsThereAfterReopening) {
  std::vector<Lead> committed;
  core::ApiKeyRecord key{.id = "65c000000000000000000001",
                         .project_id = kProject,
                         .secret_hash = std::string(64, 'f'),
                         .revoked = true,
                         .created_at = kT0};
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_NO_FATAL_FAILURE(Seed(*store));
    ASSERT_OK(store->CreateApiKey(key));
    for (int b = 0; b < 3; ++b) {
      std::vector<Lead> batch;
      for (int i = 0; i < 100; ++i) {
        batch.push_back(NewLead(i % 2 ? kProcessA : kProcessB,
                                "+1415" + std::to_string(5550000 + b * 100 + i),
                                "l" + std::to_string(b * 100 + i) + "@example.com"));
      }
      auto r = store->Ingest(Batch(batch));
      ASSERT_OK(r);
      committed.insert(committed.end(), batch.begin(), batch.end());
    }
    core::IngestBatch dry = Batch({NewLead(kProcessA, "+14155559999", std::nullopt)});
    dry.dry_run = true;
    ASSERT_OK(store->Ingest(dry));
  }

  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->CountLeads(kProject).value(), 300);
  for (const Lead& lead : committed) {
    auto got = store->GetLead(kProject, lead.id);
    ASSERT_OK(got);
    EXPECT_EQ(*got, lead);
  }
  EXPECT_EQ(store->ListProcesses(kProject)->size(), 2u);
  EXPECT_EQ(store->FindApiKey(key.id).value(), key);
  // The unique indexes came back too.
  auto again = store->Ingest(Batch({NewLead(kProcessA, committed[1].phone, std::nullopt)}));
  ASSERT_OK(again);
  EXPECT_EQ(again->inserted.at(0).status, InsertStatus::kDuplicatePhone);
}

TEST_F(SqliteLeadStoreTest, EmbeddedMigrationsAreOrderedAndNamedByVersion) {
  const auto migrations = SqliteMigrations();
  ASSERT_FALSE(migrations.empty());
  int last = 0;
  for (const SqliteMigration& m : migrations) {
    EXPECT_GT(m.version, last) << m.name;
    last = m.version;
    EXPECT_EQ(std::stoi(std::string(m.name.substr(0, m.name.find('_')))), m.version) << m.name;
    EXPECT_FALSE(m.sql.empty()) << m.name;
  }
  EXPECT_EQ(migrations.front().name, "0001_init.sql");
}

TEST_F(SqliteLeadStoreTest, MigrationsAreAppliedOnceAndReopeningIsIdempotent) {
  std::vector<std::string> expected;
  for (const SqliteMigration& m : SqliteMigrations()) expected.push_back(std::to_string(m.version));
  for (int open = 0; open < 3; ++open) {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    auto pragmas = store->EffectivePragmas();
    ASSERT_OK(pragmas);
    EXPECT_EQ(pragmas->schema_version, SqliteMigrations().back().version);
    if (open == 0) {
      ASSERT_NO_FATAL_FAILURE(Seed(*store));
    }
  }
  EXPECT_EQ(RawQuery(DbPath(), "SELECT version FROM schema_migrations ORDER BY version"), expected);
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM projects"), std::vector<std::string>{"1"});
}

TEST_F(SqliteLeadStoreTest, ADatabaseFromANewerLeadgateIsRefusedAndLeftAlone) {
  { ASSERT_NE(OpenOrDie(), nullptr); }
  RawQuery(DbPath(),
           "INSERT INTO schema_migrations (version, name, applied_at) "
           "VALUES (9999, '9999_future.sql', 0) RETURNING version");

  auto refused = SqliteLeadStore::Open({.path = DbPath()});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("9999"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
  EXPECT_EQ(RawQuery(DbPath(), "SELECT max(version) FROM schema_migrations"),
            std::vector<std::string>{"9999"});
}

TEST_F(SqliteLeadStoreTest, PragmasInEffect) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    auto p = store->EffectivePragmas();
    ASSERT_OK(p);
    EXPECT_EQ(p->journal_mode, "wal");
    EXPECT_EQ(p->synchronous, 2);  // FULL
    EXPECT_EQ(p->foreign_keys, 1);
    EXPECT_EQ(p->busy_timeout_ms, 5000);
    EXPECT_EQ(p->temp_store, 2);      // MEMORY
    EXPECT_LT(p->cache_size, -2000);  // larger than SQLite's default 2 MiB
    EXPECT_GT(p->wal_autocheckpoint, 1000);
  }
  auto store =
      OpenOrDie({.path = DbPath(), .sync = SqliteOptions::Sync::kNormal, .busy_timeout_ms = 250});
  ASSERT_NE(store, nullptr);
  auto p = store->EffectivePragmas();
  ASSERT_OK(p);
  EXPECT_EQ(p->journal_mode, "wal");
  EXPECT_EQ(p->synchronous, 1);  // NORMAL
  EXPECT_EQ(p->busy_timeout_ms, 250);
}

TEST_F(SqliteLeadStoreTest, BadOptionsAndUnopenablePaths) {
  auto memory = SqliteLeadStore::Open({.path = ":memory:"});
  ASSERT_FALSE(memory.has_value());
  EXPECT_EQ(memory.error().code, ErrorCode::kInvalidArgument);

  auto no_readers = SqliteLeadStore::Open({.path = DbPath(), .read_connections = 0});
  ASSERT_FALSE(no_readers.has_value());
  EXPECT_EQ(no_readers.error().code, ErrorCode::kInvalidArgument);

  std::filesystem::create_directories(dir_.path() / "a-directory");
  auto directory = SqliteLeadStore::Open({.path = (dir_.path() / "a-directory").string()});
  ASSERT_FALSE(directory.has_value());
  EXPECT_EQ(directory.error().code, ErrorCode::kUnavailable) << directory.error().ToString();
}

// 16 threads, each with its own one-lead batch; `make(i)` gives thread i's lead.
template <class Make>
void RaceOneLeadBatches(const std::vector<core::LeadStore*>& stores, Make make,
                        InsertStatus loser_status) {
  constexpr int kThreads = 16;
  std::vector<Lead> leads;
  for (int i = 0; i < kThreads; ++i) leads.push_back(make(i));
  std::vector<core::Result<core::IngestBatchResult>> results(
      kThreads, core::MakeError(ErrorCode::kInternal, "not run"));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      core::IngestBatch batch;
      batch.project_id = kProject;
      batch.new_leads = {leads[i]};
      batch.now = kT0;
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      results[i] = stores[static_cast<std::size_t>(i) % stores.size()]->Ingest(batch);
    });
  }
  for (auto& t : threads) t.join();

  int inserted = 0;
  std::string winner;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_OK(results[i]);
    if (results[i]->inserted.at(0).status == InsertStatus::kInserted) {
      ++inserted;
      winner = leads[i].id;
    }
  }
  ASSERT_EQ(inserted, 1);
  for (int i = 0; i < kThreads; ++i) {
    if (leads[i].id == winner) continue;
    EXPECT_EQ(results[i]->inserted.at(0), (core::InsertOutcome{loser_status, winner}));
  }
  EXPECT_EQ(stores[0]->CountLeads(kProject).value(), 1);
}

TEST_F(SqliteLeadStoreTest, SixteenThreadsRacingOnOnePhoneStoreOneLead) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_NO_FATAL_FAILURE(Seed(*store));
  RaceOneLeadBatches(
      {store.get()},
      [&](int i) {
        return NewLead(kProcessA, "+14155552671", "p" + std::to_string(i) + "@example.com");
      },
      InsertStatus::kDuplicatePhone);
}

TEST_F(SqliteLeadStoreTest, SixteenThreadsRacingOnOneEmailStoreOneLead) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_NO_FATAL_FAILURE(Seed(*store));
  RaceOneLeadBatches(
      {store.get()},
      [&](int i) {
        return NewLead(i % 2 ? kProcessA : kProcessB, "+1415555" + std::to_string(1000 + i),
                       "jane@example.com");
      },
      InsertStatus::kDuplicateEmail);
}

// Two stores on one file stand for two leadgate processes: SQLite's file lock serialises their
// writers and the unique indexes keep the rule.
TEST_F(SqliteLeadStoreTest, TwoStoresOnOneFileRacingOnOnePhoneStoreOneLead) {
  auto first = OpenOrDie();
  auto second = OpenOrDie();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_NO_FATAL_FAILURE(Seed(*first));
  RaceOneLeadBatches(
      {first.get(), second.get()},
      [&](int i) {
        return NewLead(kProcessB, "+14155552671", "p" + std::to_string(i) + "@example.com");
      },
      InsertStatus::kDuplicatePhone);
  EXPECT_EQ(second->CountLeads(kProject).value(), 1);
}

TEST_F(SqliteLeadStoreTest, ReadsAreServedWhileManyThreadsRead) {
  auto store = OpenOrDie({.path = DbPath(), .read_connections = 2});
  ASSERT_NE(store, nullptr);
  ASSERT_NO_FATAL_FAILURE(Seed(*store));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto p = store->FindProcess(kProject, kProcessA);
        if (!p || !*p) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- 0002: rate limits, key guard, idempotency ----

constexpr char kKey[] = "65c000000000000000000001";
constexpr std::chrono::milliseconds kTtl{24 * 60 * 60'000};
constexpr std::chrono::milliseconds kStaleAfter{5 * 60'000};

TEST_F(SqliteLeadStoreTest, LimitsBlocksAndIdempotencyRecordsSurviveReopening) {
  const core::StoredResponse response{.status = 201,
                                      .body = std::string("{\"a\":\"\xff\0\x01\"}", 11)};
  const core::TimePoint until = kT0 + std::chrono::minutes(60);
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_NO_FATAL_FAILURE(Seed(*store));
    ASSERT_OK(store->SetProjectRateLimit(kProject, core::ProjectRateLimit{7, 1000}));
    ASSERT_OK(store->CreateApiKey({.id = kKey,
                                   .project_id = kProject,
                                   .secret_hash = std::string(64, 'e'),
                                   .created_at = kT0}));
    auto strike =
        store->RecordStrike(kKey, kT0, std::chrono::seconds(60), 0, std::chrono::minutes(60));
    ASSERT_OK(strike);
    ASSERT_EQ(strike->blocked_until, until);
    auto begin = store->BeginIdempotent(kProject, "k", "hash", kT0, kTtl, kStaleAfter);
    ASSERT_OK(begin);
    ASSERT_EQ(begin->status, core::IdempotencyStatus::kStarted);
    ASSERT_OK(store->CompleteIdempotent(kProject, "k", response));
    ASSERT_OK(store->BeginIdempotent(kProject, "running", "hash", kT0, kTtl, kStaleAfter));
  }

  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetProject(kProject)->rate_limit, (core::ProjectRateLimit{7, 1000}));
  auto guard = store->GetKeyGuard(kKey, kT0 + std::chrono::seconds(1), std::chrono::seconds(60));
  ASSERT_OK(guard);
  EXPECT_EQ(*guard, (core::KeyGuardState{.strikes = 1, .blocked_until = until}));
  auto replay =
      store->BeginIdempotent(kProject, "k", "hash", kT0 + std::chrono::hours(1), kTtl, kStaleAfter);
  ASSERT_OK(replay);
  EXPECT_EQ(replay->status, core::IdempotencyStatus::kReplay);
  EXPECT_EQ(replay->response, response);
  auto running = store->BeginIdempotent(kProject, "running", "hash", kT0 + std::chrono::minutes(1),
                                        kTtl, kStaleAfter);
  ASSERT_OK(running);
  EXPECT_EQ(running->status, core::IdempotencyStatus::kInProgress);
}

// Two stores on one file stand for two leadgate processes: only SQLite's write lock stands
// between their claims.
TEST_F(SqliteLeadStoreTest, TwoStoresOnOneFileRacingOnOneIdempotencyKeyStartExactlyOnce) {
  auto first = OpenOrDie();
  auto second = OpenOrDie();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  for (int round = 0; round < 5; ++round) {
    const std::string key = "race-" + std::to_string(round);
    constexpr int kThreads = 16;
    std::vector<core::Result<core::IdempotencyBegin>> results(
        kThreads, core::MakeError(ErrorCode::kInternal, "not run"));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        SqliteLeadStore& store = i % 2 ? *second : *first;
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();
        results[i] = store.BeginIdempotent(kProject, key, "hash", kT0, kTtl, kStaleAfter);
      });
    }
    for (auto& t : threads) t.join();
    int started = 0;
    int in_progress = 0;
    for (const auto& r : results) {
      ASSERT_OK(r);
      if (r->status == core::IdempotencyStatus::kStarted) ++started;
      if (r->status == core::IdempotencyStatus::kInProgress) ++in_progress;
    }
    EXPECT_EQ(started, 1) << key;
    EXPECT_EQ(in_progress, kThreads - 1) << key;
  }
}

TEST_F(SqliteLeadStoreTest, TwoStoresOnOneFileCountEveryStrike) {
  auto first = OpenOrDie();
  auto second = OpenOrDie();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_NO_FATAL_FAILURE(Seed(*first));
  ASSERT_OK(first->CreateApiKey({.id = kKey,
                                 .project_id = kProject,
                                 .secret_hash = std::string(64, 'e'),
                                 .created_at = kT0}));
  constexpr int kThreads = 8;
  constexpr int kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      SqliteLeadStore& store = i % 2 ? *second : *first;
      for (int n = 0; n < kEach; ++n) {
        if (!store.RecordStrike(kKey, kT0, std::chrono::seconds(60), 1000, std::chrono::hours(1)))
          ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(second->GetKeyGuard(kKey, kT0, std::chrono::seconds(60))->strikes, kThreads * kEach);
}

// A database written by a leadgate that knew only 0001 (the released schema) gains 0002 on open
// and keeps its rows; the new columns start out empty.
TEST_F(SqliteLeadStoreTest, ASchemaVersion1DatabaseMigratesToTheCurrentSchemaKeepingItsData) {
  const auto migrations = SqliteMigrations();
  ASSERT_GE(migrations.size(), 2u);
  ASSERT_EQ(migrations[0].version, 1);
  ASSERT_EQ(migrations[1].version, 2);
  std::filesystem::create_directories(dir_.path() / "data");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(DbPath().c_str(), &db), SQLITE_OK);
    const std::string sql =
        "BEGIN;" + std::string(migrations[0].sql) +
        "INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0);"
        "INSERT INTO projects (id, name, region, active, created_at) "
        "VALUES ('65a000000000000000000001', 'old', 'GB', 1, 1795953600123);"
        "INSERT INTO processes (id, project_seq, name, created_at) "
        "VALUES ('65b000000000000000000001', 1, 'a', 1795953600123);"
        "INSERT INTO api_keys (id, project_id, secret_hash, revoked, created_at) VALUES "
        "('65c000000000000000000001', '65a000000000000000000001', '" +
        std::string(64, 'd') +
        "', 0, 1795953600123);"
        "INSERT INTO leads (id, project_seq, process_seq, phone, state, attempts, created_at, "
        "updated_at) VALUES ('65d000000000000000000001', 1, 1, '+14155552671', 'created', 0, "
        "1795953600123, 1795953600123);"
        "COMMIT;";
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_close(db);
  }

  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->EffectivePragmas()->schema_version, migrations.back().version);
  EXPECT_EQ(RawQuery(DbPath(), "SELECT version FROM schema_migrations ORDER BY version").size(),
            migrations.size());
  auto project = store->GetProject(kProject);
  ASSERT_OK(project);
  EXPECT_EQ(project->name, "old");
  EXPECT_EQ(project->region, "GB");
  EXPECT_EQ(project->rate_limit, std::nullopt);
  EXPECT_EQ(store->CountLeads(kProject).value(), 1);
  auto lead = store->GetLead(kProject, "65d000000000000000000001");
  ASSERT_OK(lead);
  ASSERT_TRUE(lead->has_value());
  EXPECT_EQ((*lead)->phone, "+14155552671");
  auto key = store->FindApiKey(kKey);
  ASSERT_OK(key);
  ASSERT_TRUE(key->has_value());
  EXPECT_EQ((*key)->secret_hash, std::string(64, 'd'));
  auto guard = store->GetKeyGuard(kKey, kT0, std::chrono::seconds(60));
  ASSERT_OK(guard);
  EXPECT_EQ(*guard, core::KeyGuardState{});
  // And the new tables and columns work.
  ASSERT_OK(store->SetProjectRateLimit(kProject, core::ProjectRateLimit{3, 500}));
  EXPECT_EQ(store->GetProject(kProject)->rate_limit, (core::ProjectRateLimit{3, 500}));
  ASSERT_OK(store->RecordStrike(kKey, kT0, std::chrono::seconds(60), 5, std::chrono::hours(1)));
  auto begin = store->BeginIdempotent(kProject, "k", "h", kT0, kTtl, kStaleAfter);
  ASSERT_OK(begin);
  EXPECT_EQ(begin->status, core::IdempotencyStatus::kStarted);
}

// A database at schema version 2 gains 0003 on open: created_state is backfilled ('initialized'
// for a lead still initialized and never changed since its creation, else 'created'),
// last_disposition starts NULL, and the timeline and query work on the old rows.
TEST_F(SqliteLeadStoreTest, ASchemaVersion2DatabaseMigratesToVersion3KeepingItsData) {
  const auto migrations = SqliteMigrations();
  ASSERT_GE(migrations.size(), 3u);
  ASSERT_EQ(migrations[2].version, 3);
  std::filesystem::create_directories(dir_.path() / "data");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(DbPath().c_str(), &db), SQLITE_OK);
    const std::string sql =
        "BEGIN;" + std::string(migrations[0].sql) + std::string(migrations[1].sql) +
        "INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0), "
        "(2, '0002_limits_idempotency.sql', 0);"
        "INSERT INTO projects (id, name, region, active, created_at) "
        "VALUES ('65a000000000000000000001', 'old', 'GB', 1, 1795953600123);"
        "INSERT INTO processes (id, project_seq, name, created_at) "
        "VALUES ('65b000000000000000000001', 1, 'a', 1795953600123);"
        // Created with init, untouched since; initialized later through leadIds; never
        // initialized.
        "INSERT INTO leads (id, project_seq, process_seq, phone, reference_id, state, attempts, "
        "next_attempt_at, created_at, updated_at) VALUES "
        "('65d000000000000000000001', 1, 1, '+14155552671', 'r1', 'initialized', 0, "
        "1795953600123, 1795953600123, 1795953600123),"
        "('65d000000000000000000002', 1, 1, '+14155552672', 'r2', 'initialized', 0, "
        "1795953605000, 1795953600124, 1795953605000),"
        "('65d000000000000000000003', 1, 1, '+14155552673', NULL, 'created', 0, NULL, "
        "1795953600125, 1795953600125);"
        "COMMIT;";
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_close(db);
  }

  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->EffectivePragmas()->schema_version, migrations.back().version);
  auto lead = [&](const std::string& id) {
    auto r = store->GetLead(kProject, id);
    EXPECT_TRUE(r.has_value() && r->has_value());
    return r && *r ? **r : core::Lead{};
  };
  EXPECT_EQ(lead("65d000000000000000000001").created_state, core::LeadState::kInitialized);
  EXPECT_EQ(lead("65d000000000000000000002").created_state, core::LeadState::kCreated);
  EXPECT_EQ(lead("65d000000000000000000003").created_state, core::LeadState::kCreated);
  EXPECT_EQ(lead("65d000000000000000000001").last_disposition, std::nullopt);

  auto timeline = store->ListActivities(kProject, "65d000000000000000000001", 10);
  ASSERT_OK(timeline);
  ASSERT_EQ(timeline->size(), 2u);
  EXPECT_EQ((*timeline)[0].type, core::ActivityType::kInitialized);
  EXPECT_EQ((*timeline)[1].type, core::ActivityType::kCreated);

  auto by_ref = store->FindLeadByReference(kProject, "65b000000000000000000001", "r2");
  ASSERT_OK(by_ref);
  ASSERT_TRUE(by_ref->has_value());
  EXPECT_EQ((*by_ref)->id, "65d000000000000000000002");

  core::LeadQuery query;
  query.project_id = kProject;
  auto page = store->QueryLeads(query);
  ASSERT_OK(page);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].id, "65d000000000000000000003");
  EXPECT_EQ((*page)[2].id, "65d000000000000000000001");

  // Old leads take updates and their activities.
  core::Activity note;
  note.id = "65e000000000000000000001";
  note.lead_id = "65d000000000000000000003";
  note.type = core::ActivityType::kUpdated;
  note.at = core::FromUnixMillis(1795953700000);
  note.fields = {"name"};
  auto updated =
      store->UpdateLead(kProject, "65d000000000000000000003",
                        [&](const core::Lead& current) -> core::Result<core::LeadMutation> {
                          core::LeadMutation m{.lead = current, .activities = {note}};
                          m.lead.name = "New Name";
                          return m;
                        });
  ASSERT_OK(updated);
  EXPECT_EQ(updated->name, "New Name");
  auto after = store->ListActivities(kProject, "65d000000000000000000003", 10);
  ASSERT_OK(after);
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0], note);
}

// The newest-first query uses the indexes 0003 made for it: no full scan, no sort.
TEST_F(SqliteLeadStoreTest, LeadQueriesUseTheirIndexes) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  // The plan's detail lines (column 3 of EXPLAIN QUERY PLAN).
  auto plan = [&](const std::string& where) {
    const std::string sql = "EXPLAIN QUERY PLAN SELECT l.id FROM leads l WHERE l.project_seq = 1" +
                            where + " ORDER BY l.created_at DESC, l.id DESC LIMIT 100";
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(DbPath().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      out += text == nullptr ? "" : text;
      out += "\n";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  };
  const std::string newest = plan(" AND (l.created_at, l.id) < (5, 'x')");
  EXPECT_NE(newest.find("leads_by_project_created"), std::string::npos) << newest;
  EXPECT_EQ(newest.find("TEMP B-TREE"), std::string::npos) << newest;
  const std::string group = plan(" AND l.group_id = 'g'");
  EXPECT_NE(group.find("leads_by_group"), std::string::npos) << group;
  EXPECT_EQ(group.find("TEMP B-TREE"), std::string::npos) << group;
  const std::string email = plan(" AND l.email = 'a@example.com'");
  EXPECT_NE(email.find("leads_unique_email"), std::string::npos) << email;
  // (phone and referenceId name their unique index with INDEXED BY: the contract tests' phone
  // and referenceId queries would fail to prepare if it could not be used.)
}

// The schema itself refuses a half-set rate limit, whatever code writes it.
TEST_F(SqliteLeadStoreTest, TheSchemaRefusesAHalfSetRateLimit) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_NO_FATAL_FAILURE(Seed(*store));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(DbPath().c_str(), &db), SQLITE_OK);
  for (const char* sql :
       {"UPDATE projects SET rate_limit_requests = 5",
        "UPDATE projects SET rate_limit_period_ms = 5",
        "UPDATE projects SET rate_limit_requests = 0, rate_limit_period_ms = 5",
        "UPDATE projects SET rate_limit_requests = 5, rate_limit_period_ms = 0"}) {
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_CONSTRAINT) << sql;
  }
  EXPECT_EQ(
      sqlite3_exec(db, "UPDATE projects SET rate_limit_requests = 5, rate_limit_period_ms = 6",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
}

// BeginIdempotent deletes other keys' expired records, a bounded number per call, oldest first.
TEST_F(SqliteLeadStoreTest, BeginSweepsExpiredRecordsAFewAtATime) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  constexpr int kOld = 250;
  for (int i = 0; i < kOld; ++i) {
    ASSERT_OK(store->BeginIdempotent(kProject, "old-" + std::to_string(i), "h",
                                     kT0 + std::chrono::milliseconds(i), kTtl, kStaleAfter));
  }
  ASSERT_OK(store->BeginIdempotent(kProject, "young", "h", kT0 + kTtl, kTtl, kStaleAfter));
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM idempotency_keys"),
            std::vector<std::string>{std::to_string(kOld + 1)});

  // Everything "old-*" is expired from here on; each Begin removes at most 100 of them.
  const core::TimePoint later = kT0 + kTtl + std::chrono::milliseconds(kOld);
  ASSERT_OK(store->BeginIdempotent(kProject, "new-0", "h", later, kTtl, kStaleAfter));
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM idempotency_keys"),
            std::vector<std::string>{std::to_string(kOld - 100 + 2)});
  // Oldest first: old-0 .. old-99 went.
  EXPECT_EQ(
      RawQuery(DbPath(), "SELECT min(created_at) - " + std::to_string(core::ToUnixMillis(kT0)) +
                             " FROM idempotency_keys"),
      std::vector<std::string>{"100"});
  for (int i = 1; i < 3; ++i) {
    ASSERT_OK(store->BeginIdempotent(kProject, "new-" + std::to_string(i), "h", later, kTtl,
                                     kStaleAfter));
  }
  // Only the unexpired records are left.
  EXPECT_EQ(RawQuery(DbPath(),
                     "SELECT idempotency_key FROM idempotency_keys ORDER BY created_at, "
                     "idempotency_key"),
            (std::vector<std::string>{"young", "new-0", "new-1", "new-2"}));
}

}  // namespace
}  // namespace leadgate::storage

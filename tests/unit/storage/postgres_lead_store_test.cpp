// What the contract suite cannot cover for PostgresLeadStore: several instances on one database
// (concurrent migration, racing inserts), losing connections and recovering, an unreachable
// server, and option checking. Every test gets its own scratch database on the ctest cluster; no
// test stops the shared cluster (other tests run in parallel): connection loss is simulated by
// terminating this database's backends from a separate connection.
#include "storage/postgres_lead_store.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/lead_store.hpp"
#include "core/object_id.hpp"
#include "support/test_services.hpp"
#include "support/test_util.hpp"

namespace leadgate::storage {
namespace {

using core::ErrorCode;

constexpr char kProject[] = "65a000000000000000000001";
constexpr char kProcess[] = "65b000000000000000000001";
const core::TimePoint kT0 = core::FromUnixMillis(1795953600123);

// Runs one SQL statement on its own connection; returns the first column of the first row.
std::string Query(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "connect: " << PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
    } else if (status == PGRES_TUPLES_OK && PQntuples(res) > 0) {
      out = PQgetvalue(res, 0, 0);
    }
    PQclear(res);
  }
  PQfinish(conn);
  return out;
}

// Terminates every other backend connected to the database of `url`.
void TerminateOtherBackends(const std::string& url) {
  Query(url,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
}

PostgresOptions Options(const std::string& url, int pool_size = 4) {
  PostgresOptions options;
  options.url = url;
  options.pool_size = pool_size;
  return options;
}

std::unique_ptr<PostgresLeadStore> OpenOrFail(const std::string& url, int pool_size = 4) {
  auto store = PostgresLeadStore::Open(Options(url, pool_size));
  EXPECT_TRUE(store.has_value()) << store.error().ToString();
  return store ? std::move(*store) : nullptr;
}

void Seed(core::LeadStore& store) {
  core::Project project;
  project.id = kProject;
  project.name = "p";
  project.created_at = kT0;
  ASSERT_OK(store.CreateProject(project));
  ASSERT_OK(store.CreateProcess(
      {.id = kProcess, .project_id = kProject, .name = "q", .created_at = kT0}));
}

core::Lead NewLead(core::ObjectIdGenerator& ids, const std::string& phone) {
  core::Lead lead;
  lead.id = ids.Next(kT0);
  lead.project_id = kProject;
  lead.process_id = kProcess;
  lead.name = "Jane Doe";
  lead.phone = phone;
  lead.created_at = kT0;
  lead.updated_at = kT0;
  return lead;
}

core::IngestBatch Batch(std::vector<core::Lead> leads) {
  core::IngestBatch batch;
  batch.project_id = kProject;
  batch.new_leads = std::move(leads);
  batch.now = kT0;
  return batch;
}

TEST(PostgresLeadStoreTest, TwoInstancesOpeningAFreshDatabaseTogetherMigrateItOnce) {
  LEADGATE_REQUIRE_SERVICES();
  const std::string url = leadgate::testing::CreateScratchDatabase();
  constexpr int kInstances = 4;
  std::vector<core::Result<std::unique_ptr<PostgresLeadStore>>> stores;
  for (int i = 0; i < kInstances; ++i) stores.push_back(core::MakeError(ErrorCode::kInternal, ""));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kInstances) std::this_thread::yield();
      stores[i] = PostgresLeadStore::Open(Options(url, 2));
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : stores) ASSERT_OK(s);
  EXPECT_EQ(Query(url, "SELECT count(*) FROM schema_migrations"),
            Query(url, "SELECT max(version) FROM schema_migrations"));
  EXPECT_EQ(Query(url, "SELECT count(*) FROM schema_migrations WHERE version = 1"), "1");
  // Reopening finds nothing to do.
  auto again = OpenOrFail(url);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(Query(url, "SELECT count(*) FROM schema_migrations WHERE version = 1"), "1");
}

TEST(PostgresLeadStoreTest, ADatabaseOfANewerLeadgateIsRefusedUntouched) {
  LEADGATE_REQUIRE_SERVICES();
  const std::string url = leadgate::testing::CreateScratchDatabase();
  ASSERT_NE(OpenOrFail(url), nullptr);
  Query(url, "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)");
  auto store = PostgresLeadStore::Open(Options(url));
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
}

TEST(PostgresLeadStoreTest, RacingInsertsFromTwoInstancesStoreExactlyOneLead) {
  LEADGATE_REQUIRE_SERVICES();
  const std::string url = leadgate::testing::CreateScratchDatabase();
  auto a = OpenOrFail(url);
  auto b = OpenOrFail(url);
  ASSERT_TRUE(a && b);
  ASSERT_NO_FATAL_FAILURE(Seed(*a));
  core::ObjectIdGenerator ids;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const std::string phone = "+1415555" + std::to_string(1000 + round);
    const core::Lead la = NewLead(ids, phone);
    const core::Lead lb = NewLead(ids, phone);
    core::Result<core::IngestBatchResult> ra = core::MakeError(ErrorCode::kInternal, "");
    core::Result<core::IngestBatchResult> rb = core::MakeError(ErrorCode::kInternal, "");
    std::atomic<bool> go{false};
    std::thread ta([&] {
      while (!go.load()) std::this_thread::yield();
      ra = a->Ingest(Batch({la}));
    });
    std::thread tb([&] {
      while (!go.load()) std::this_thread::yield();
      rb = b->Ingest(Batch({lb}));
    });
    go = true;
    ta.join();
    tb.join();
    ASSERT_OK(ra);
    ASSERT_OK(rb);
    const bool a_won = ra->inserted.at(0).status == core::InsertStatus::kInserted;
    const bool b_won = rb->inserted.at(0).status == core::InsertStatus::kInserted;
    ASSERT_NE(a_won, b_won) << "round " << round;
    const core::InsertOutcome& loser = a_won ? rb->inserted.at(0) : ra->inserted.at(0);
    EXPECT_EQ(loser.status, core::InsertStatus::kDuplicatePhone);
    EXPECT_EQ(loser.existing_lead_id, a_won ? la.id : lb.id);
  }
  auto count = a->CountLeads(kProject);
  ASSERT_OK(count);
  EXPECT_EQ(*count, kRounds);
}

TEST(PostgresLeadStoreTest, RecoversAfterItsConnectionsAreTerminated) {
  LEADGATE_REQUIRE_SERVICES();
  const std::string url = leadgate::testing::CreateScratchDatabase();
  auto store = OpenOrFail(url, 2);
  ASSERT_NE(store, nullptr);
  ASSERT_NO_FATAL_FAILURE(Seed(*store));
  core::ObjectIdGenerator ids;
  ASSERT_OK(store->Ingest(Batch({NewLead(ids, "+14155552671")})));

  for (int round = 0; round < 3; ++round) {
    TerminateOtherBackends(url);
    // The server has closed the pooled connections. Within a couple of calls (the first may
    // still see kUnavailable if the close had not reached the socket yet) the store reconnects,
    // and everything works again: reads and batch writes.
    core::Status ping = store->Ping();
    if (!ping) {
      EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable) << ping.error().ToString();
      ping = store->Ping();
    }
    ASSERT_OK(ping);
    auto ingested = store->Ingest(Batch({NewLead(ids, "+1415555300" + std::to_string(round))}));
    ASSERT_OK(ingested);
    EXPECT_EQ(ingested->inserted.at(0).status, core::InsertStatus::kInserted);
  }
  auto count = store->CountLeads(kProject);
  ASSERT_OK(count);
  EXPECT_EQ(*count, 4);
}

TEST(PostgresLeadStoreTest, AConnectionLostMidTransactionWritesNothingAndReportsUnavailable) {
  LEADGATE_REQUIRE_SERVICES();
  const std::string url = leadgate::testing::CreateScratchDatabase();
  auto store = OpenOrFail(url, 1);
  ASSERT_NE(store, nullptr);
  ASSERT_NO_FATAL_FAILURE(Seed(*store));
  core::ObjectIdGenerator ids;
  ASSERT_OK(store->Ingest(Batch({NewLead(ids, "+14155552671")})));
  core::LeadQuery query;
  query.project_id = kProject;
  auto leads = store->QueryLeads(query);
  ASSERT_OK(leads);
  ASSERT_EQ(leads->size(), 1u);
  // The mutate callback runs inside the update's transaction: terminate the backend from there.
  auto updated = store->UpdateLead(kProject, leads->at(0).id,
                                   [&](const core::Lead& lead) -> core::Result<core::LeadMutation> {
                                     TerminateOtherBackends(url);
                                     core::LeadMutation m{.lead = lead, .activities = {}};
                                     m.lead.name = "Changed";
                                     return m;
                                   });
  ASSERT_FALSE(updated.has_value());
  EXPECT_EQ(updated.error().code, ErrorCode::kUnavailable) << updated.error().ToString();
  auto after = store->GetLead(kProject, leads->at(0).id);
  ASSERT_OK(after);
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->name, "Jane Doe");
}

TEST(PostgresLeadStoreTest, AClosedPortIsUnavailable) {
  PostgresOptions options = Options("postgresql://leadgate@127.0.0.1:1/x");
  options.connect_timeout_s = 2;
  auto store = PostgresLeadStore::Open(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable) << store.error().ToString();
}

TEST(PostgresLeadStoreTest, BadOptionsAreInvalidArgument) {
  for (const PostgresOptions& options : {
           Options("postgresql://host:notaport:/x?bogus_option=1"),
           Options("mysql://localhost/x"),
           Options("postgresql://localhost/x", 0),
       }) {
    auto store = PostgresLeadStore::Open(options);
    ASSERT_FALSE(store.has_value()) << options.url;
    EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument) << store.error().ToString();
  }
}

TEST(PostgresLeadStoreTest, APoolOfOneServesManyThreads) {
  LEADGATE_REQUIRE_SERVICES();
  const std::string url = leadgate::testing::CreateScratchDatabase();
  auto store = OpenOrFail(url, 1);
  ASSERT_NE(store, nullptr);
  ASSERT_NO_FATAL_FAILURE(Seed(*store));
  constexpr int kThreads = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      core::ObjectIdGenerator ids;
      for (int i = 0; i < 10; ++i) {
        const std::string phone = "+1415556" + std::to_string(1000 + t * 100 + i);
        if (!store->Ingest(Batch({NewLead(ids, phone)}))) ++failures;
        if (!store->Ping()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto count = store->CountLeads(kProject);
  ASSERT_OK(count);
  EXPECT_EQ(*count, kThreads * 10);
  EXPECT_EQ(Query(url,
                  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND application_name = 'leadgate'"),
            "1");
}

}  // namespace
}  // namespace leadgate::storage

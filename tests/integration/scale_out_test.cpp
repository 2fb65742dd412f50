// Several `leadgate serve` instances on one PostgreSQL database and one Redis (issue 5): every
// guarantee of docs/api.md holds across instances, and a PostgreSQL outage is answered with 503,
// leaves no partial batch behind and heals by itself.
//
// These tests always run on PostgreSQL + Redis (they are about sharing them), in both the sqlite
// and the pg. registration of the suite; the outage test starts a cluster of its own so that
// stopping it cannot disturb tests running in parallel.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

constexpr char kRateLimited[] = R"({"success":false,"error":"Rate limit exceeded"})";
constexpr char kBlocked[] =
    R"({"success":false,"error":"API key temporarily blocked due to repeated duplicate submissions"})";

// Builds the project on a scratch PostgreSQL database, then runs two servers on it, sharing one
// Redis prefix.
class ScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LEADGATE_REQUIRE_SERVICES();
    db_ = CreateScratchDatabase();
    ASSERT_FALSE(db_.empty());
    redis_ = {"--redis", GetTestServices()->redis_url, "--redis-prefix", UniqueRedisPrefix()};
    const std::string project = AdminCmd({"project", "create", "--name", "acme"});
    project_id_ = JsonField(project, "projectId");
    api_key_ = JsonField(project, "apiKey");
    process_id_ =
        JsonField(AdminCmd({"process", "create", "--project", project_id_, "--name", "outbound"}),
                  "processId");
    ASSERT_EQ(project_id_.size(), 24u);
  }

  std::string AdminCmd(std::vector<std::string> args) {
    if (args[0] == "key" && (args[1] == "status" || args[1] == "unblock")) {
      args.insert(args.end(), redis_.begin(), redis_.end());
    }
    return Admin(db_, std::move(args));
  }

  void StartInstances(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), redis_.begin(), redis_.end());
    for (int i = 0; i < 2; ++i) {
      servers_.push_back(std::make_unique<ServerProcess>(kBinary, db_, extra));
      servers_.back()->Start();
    }
  }

  ClientResponse Post(int instance, const std::string& target, const std::string& body,
                      HeaderList extra = {}) {
    HeaderList headers = {{"Authorization", "Bearer " + api_key_},
                          {"Content-Type", "application/json"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    HttpClient client;
    EXPECT_TRUE(client.Connect(servers_[static_cast<std::size_t>(instance)]->port()).has_value());
    auto res = client.Send("POST", target, headers, body);
    EXPECT_TRUE(res.has_value()) << (res ? "" : res.error().ToString());
    return res ? *res : ClientResponse{};
  }
  ClientResponse Bulk(int instance, const std::string& body, HeaderList extra = {}) {
    return Post(instance, "/api/v1/leads/bulk/initiate", body, std::move(extra));
  }

  std::string Lead(const std::string& fields) const {
    return R"({"projectId":")" + project_id_ + R"(","processId":")" + process_id_ + "\"," + fields +
           "}";
  }

  std::int64_t StoredLeads() {
    auto store = app::OpenStore({.db = db_});
    EXPECT_TRUE(store.has_value());
    if (!store) return -1;
    return (*store)->CountLeads(project_id_).value_or(-1);
  }

  std::string db_;
  std::vector<std::string> redis_;
  std::string project_id_, process_id_, api_key_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

TEST_F(ScaleOutTest, RacingDuplicatesSpreadOverBothInstancesStoreExactlyOneLead) {
  // 15 duplicate submissions would block the key (more than 5 strikes): not what this is about.
  StartInstances({"--dup-max-strikes", "1000"});
  constexpr int kRacers = 16;
  std::atomic<int> created{0}, duplicates{0}, other{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      const auto res = Bulk(i % 2, "{\"leads\":[" +
                                       Lead(R"("name":"R","phone":"+14155552671",)"
                                            R"("email":"racer@example.com")") +
                                       "]}");
      if (res.status != 200) {
        ++other;
        return;
      }
      auto doc = ParseJson(res.body);
      created += static_cast<int>(doc["success"].Size());
      duplicates += static_cast<int>(doc["errors"].Size());
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicates.load(), kRacers - 1);
  EXPECT_EQ(StoredLeads(), 1);
}

TEST_F(ScaleOutTest, TheProjectsRateLimitHoldsAcrossInstances) {
  // 10 per 1000 s: no slot comes back during the test, so the count is exact.
  StartInstances({"--rate-limit-requests", "10", "--rate-limit-period-ms", "1000000"});
  int allowed = 0, limited = 0;
  for (int i = 0; i < 30; ++i) {
    const auto res = Bulk(i % 2, "{\"leads\":[]}");
    if (res.status == 200) ++allowed;
    if (res.status == 429) {
      ++limited;
      EXPECT_EQ(res.body, kRateLimited);
    }
  }
  EXPECT_EQ(allowed, 10);
  EXPECT_EQ(limited, 20);

  // Concurrent requests from both instances still share one budget: none is left.
  std::atomic<int> concurrent_allowed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (Bulk(i % 2, "{\"leads\":[]}").status == 200) ++concurrent_allowed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(concurrent_allowed.load(), 0);
}

TEST_F(ScaleOutTest, AKeyBlockedThroughOneInstanceIsBlockedOnTheOther) {
  StartInstances({"--dup-max-strikes", "2"});
  const std::string batch = "{\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "]}";
  ASSERT_EQ(ParseJson(Bulk(0, batch).body)["success"].Size(), 1u);
  // Three strikes, spread over both instances: > 2 blocks the key.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Bulk(i % 2, batch).status, 200) << i;
  for (int instance = 0; instance < 2; ++instance) {
    const auto blocked = Bulk(instance, "{\"leads\":[]}");
    EXPECT_EQ(blocked.status, 429) << instance;
    EXPECT_EQ(blocked.body, kBlocked) << instance;
  }
  auto status = ParseJson(AdminCmd({"key", "status", "--key-id", api_key_.substr(3, 24)}));
  EXPECT_EQ(status["strikes"].GetInt(), 3);
  EXPECT_TRUE(status["blockedUntil"].IsString());
  // Unblocked from the command line: both instances let it through again.
  AdminCmd({"key", "unblock", "--key-id", api_key_.substr(3, 24)});
  EXPECT_EQ(Bulk(0, "{\"leads\":[]}").status, 200);
  EXPECT_EQ(Bulk(1, "{\"leads\":[]}").status, 200);
}

TEST_F(ScaleOutTest, AnIdempotentRequestReplayedOnTheOtherInstanceIsReplayedNotRerun) {
  StartInstances();
  const std::string body = "{\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "," +
                           Lead(R"("name":"B","email":"b@example.com")") + "]}";
  const HeaderList key = {{"Idempotency-Key", "chunk-0001"}};
  const auto first = Bulk(0, body, key);
  ASSERT_EQ(first.status, 200);
  EXPECT_FALSE(first.Header("Idempotent-Replayed"));
  const auto replay = Bulk(1, body, key);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(replay.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(StoredLeads(), 2);
  // The same key with another body is refused on either instance.
  const auto mismatch = Bulk(1, "{\"leads\":[]}", key);
  EXPECT_EQ(mismatch.status, 422);
}

TEST_F(ScaleOutTest, ConcurrentIdempotentRequestsOnBothInstancesRunOnce) {
  StartInstances();
  const std::string body = "{\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "]}";
  std::atomic<int> ok{0}, in_flight{0}, other{0};
  std::set<std::string> bodies;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const auto res = Bulk(i % 2, body, {{"Idempotency-Key", "same"}});
      if (res.status == 200) {
        ++ok;
        std::lock_guard lock(mu);
        bodies.insert(res.body);
      } else if (res.status == 409) {
        ++in_flight;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(ok.load(), 1);
  EXPECT_EQ(ok.load() + in_flight.load(), 8);
  EXPECT_EQ(bodies.size(), 1u);  // every 200 is the one run's answer
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(ParseJson(*bodies.begin())["success"].Size(), 1u);
  EXPECT_EQ(StoredLeads(), 1);
}

// A PostgreSQL cluster of this test's own, stopped and started under load.
class PostgresOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LEADGATE_REQUIRE_SERVICES();
    services_dir_ = (dir_.path() / "services").string();
    const CommandResult started = RunCommand(kScript, {"start", services_dir_});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    const auto at = started.out.find("LEADGATE_TEST_PG_URL=");
    ASSERT_NE(at, std::string::npos) << started.out;
    db_ = started.out.substr(at + 21, started.out.find('\n', at) - at - 21);
    const std::string project = Admin(db_, {"project", "create", "--name", "acme"});
    project_id_ = JsonField(project, "projectId");
    api_key_ = JsonField(project, "apiKey");
    process_id_ =
        JsonField(Admin(db_, {"process", "create", "--project", project_id_, "--name", "outbound"}),
                  "processId");
    server_ = std::make_unique<ServerProcess>(
        kBinary, db_, std::vector<std::string>{"--rate-limit-requests", "0"});
    server_->Start();
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (!services_dir_.empty()) RunCommand(kScript, {"stop", services_dir_});
  }

  ClientResponse Send(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    HttpClient client;
    EXPECT_TRUE(client.Connect(server_->port()).has_value());
    HeaderList headers = {{"Authorization", "Bearer " + api_key_}};
    if (method == "POST") headers.emplace_back("Content-Type", "application/json");
    auto res = client.Send(method, target, headers, body);
    return res ? *res : ClientResponse{};
  }

  // Batch b: 20 leads with phones unique to it, all in group "b<b>".
  std::string Batch(int b) const {
    std::string body = "{\"leads\":[";
    for (int i = 0; i < 20; ++i) {
      if (i > 0) body += ",";
      body += R"({"projectId":")" + project_id_ + R"(","processId":")" + process_id_ +
              R"(","name":"N","groupId":"b)" + std::to_string(b) + R"(","phone":"+1415)" +
              std::to_string(2000000 + b * 20 + i) + "\"}";
    }
    return body + "]}";
  }

  inline static const std::string kScript =
      std::string(LEADGATE_SOURCE_DIR) + "/scripts/test-services";
  TempDir dir_;
  std::string services_dir_, db_, project_id_, process_id_, api_key_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(PostgresOutageTest, RequestsGet503WhileItIsDownNoBatchIsPartialAndServiceResumes) {
  // Load from a background thread across the whole outage.
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0}, ok{0}, unavailable{0}, other{0};
  std::vector<int> acknowledged;
  std::mutex mu;
  std::thread load([&] {
    for (int b = 0; !stop && b < 20000; ++b) {
      const auto res = Send("POST", "/api/v1/leads/bulk/initiate", Batch(b));
      ++sent;
      if (res.status == 200) {
        ++ok;
        std::lock_guard lock(mu);
        acknowledged.push_back(b);
      } else if (res.status == 503) {
        ++unavailable;
        EXPECT_EQ(res.body, R"({"error":"Service unavailable"})");
        EXPECT_EQ(res.Header("Retry-After"), "1");
      } else {
        ++other;
        ADD_FAILURE() << "batch " << b << ": " << res.status << " " << res.body;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  // Waits (bounded) for the load thread to get somewhere; a failure stops the test cleanly.
  auto wait_for = [](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  auto finish = [&] {
    stop = true;
    load.join();
  };
  if (!wait_for([&] { return ok >= 5; })) {
    finish();
    FAIL() << "no batch succeeded before the outage";
  }
  ASSERT_EQ(RunCommand(kScript, {"stop-pg", services_dir_}).exit_code, 0);
  const auto ready_down = Send("GET", "/readyz");
  EXPECT_EQ(ready_down.status, 503);
  EXPECT_EQ(ready_down.body, R"({"status":"unavailable"})");
  const int unavailable_before = unavailable;
  EXPECT_TRUE(wait_for([&] { return unavailable >= unavailable_before + 3; }));
  const CommandResult restarted = RunCommand(kScript, {"start-pg", services_dir_});
  if (restarted.exit_code != 0) {
    finish();
    FAIL() << "cannot restart PostgreSQL: " << restarted.err;
  }
  // The instance heals by itself: no restart, readiness returns.
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    ready = Send("GET", "/readyz").status == 200;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(ready);
  const int ok_after_restart = ok;
  EXPECT_TRUE(wait_for([&] { return ok >= ok_after_restart + 5; }));
  finish();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(unavailable.load(), 3);

  // Every batch is all or nothing, and every acknowledged one is whole.
  auto store = app::OpenStore({.db = db_});
  ASSERT_TRUE(store.has_value());
  std::set<int> whole(acknowledged.begin(), acknowledged.end());
  std::int64_t total = 0;
  for (int b = 0; b < sent; ++b) {
    core::LeadQuery query;
    query.project_id = project_id_;
    query.group_id = "b" + std::to_string(b);
    query.limit = 100;
    auto leads = (*store)->QueryLeads(query);
    ASSERT_TRUE(leads.has_value());
    EXPECT_TRUE(leads->empty() || leads->size() == 20u) << "batch " << b << ": " << leads->size();
    if (whole.contains(b)) {
      EXPECT_EQ(leads->size(), 20u) << "acknowledged batch " << b;
    }
    total += static_cast<std::int64_t>(leads->size());
  }
  EXPECT_EQ((*store)->CountLeads(project_id_).value_or(-1), total);
}

// Redis unreachable (docs/api.md "Scale-out"): the limits fail open, with a metric; the instance
// stays ready ("degraded"); authentication, which never depends on Redis, still holds.
class RedisDownTest : public LeadgateTest {
 protected:
  // Port 1 on loopback: nothing listens, every connect is refused at once.
  std::vector<std::string> ServerArgs() const override {
    return {"--redis", "redis://127.0.0.1:1", "--redis-timeout-ms", "100"};
  }
};

TEST_F(RedisDownTest, LimitsFailOpenAuthenticationDoesNotAndReadinessSaysDegraded) {
  const auto created = Bulk("{\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "]}");
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(ParseJson(created.body)["success"].Size(), 1u);
  // A duplicate would be a strike: it cannot be recorded, the request is still answered.
  const auto duplicate = Bulk("{\"leads\":[" + Lead(R"("name":"A","phone":"+14155552671")") + "]}");
  EXPECT_EQ(duplicate.status, 200);
  EXPECT_EQ(ParseJson(duplicate.body)["errors"].Size(), 1u);
  // The same Idempotency-Key twice: the database alone still replays it.
  const std::string body = "{\"leads\":[" + Lead(R"("name":"B","email":"b@example.com")") + "]}";
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  const HeaderList headers = {{"Authorization", "Bearer " + api_key_},
                              {"Content-Type", "application/json"},
                              {"Idempotency-Key", "k1"}};
  auto first = client.Send("POST", "/api/v1/leads/bulk/initiate", headers, body);
  auto again = client.Send("POST", "/api/v1/leads/bulk/initiate", headers, body);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->body, first->body);
  EXPECT_EQ(again->Header("Idempotent-Replayed"), "true");

  EXPECT_EQ(Post("/api/v1/leads/bulk/initiate", "{\"leads\":[]}", "lg_wrong").status, 401);

  auto ready = client.Send("GET", "/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, R"({"status":"degraded","store":"ok","redis":"unavailable"})");
  auto metrics = client.Send("GET", "/metrics");
  ASSERT_TRUE(metrics.has_value());
  // Four requests passed the limiter unchecked (the 401 never reaches it); the key guard failed
  // open on their four block checks and on the duplicate's strike; idempotency went to the
  // database alone for both claims and could not drop the first one's marker.
  for (const char* line :
       {"leadgate_rate_limit_fail_open_total 4\n", "leadgate_key_guard_fail_open_total 5\n",
        "leadgate_idempotency_redis_fallback_total 3\n", "leadgate_redis_up 0\n"}) {
    EXPECT_NE(metrics->body.find(line), std::string::npos) << line << metrics->body;
  }
}

}  // namespace
}  // namespace leadgate::testing

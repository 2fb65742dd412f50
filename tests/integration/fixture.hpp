// The integration fixture: a real `leadgate serve` on an ephemeral port over a fresh store, with a
// project, a process and an API key made through the real command line.
//
// The store is a fresh SQLite file, or, in the `pg.` copy of the suite registered in
// tests/CMakeLists.txt (see PostgresBackend), a fresh PostgreSQL database on the test cluster
// with the limits in Redis under a key prefix of the test's own.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "app/open_store.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/test_services.hpp"
#include "support/test_util.hpp"

namespace leadgate::testing {

inline const std::string kBinary = LEADGATE_BINARY;

// The `pg.` registration sets LEADGATE_TEST_PG_SERVICES (tests/CMakeLists.txt); by hand,
// LEADGATE_TEST_BACKEND=postgres with LEADGATE_TEST_SERVICES does the same.
inline bool PostgresBackend() {
  const char* pg_services = std::getenv("LEADGATE_TEST_PG_SERVICES");
  if (pg_services != nullptr && *pg_services != '\0') return true;
  const char* backend = std::getenv("LEADGATE_TEST_BACKEND");
  return backend != nullptr && std::string(backend) == "postgres";
}

// `--redis URL --redis-prefix P` for this test in the postgres run, else empty. Set by the
// fixture; `key status|unblock` and `serve` take them.
inline std::vector<std::string>& RedisArgs() {
  static std::vector<std::string> args;
  return args;
}

// Runs an admin command with --json against `db` and returns stdout; fails the test otherwise.
inline std::string Admin(const std::string& db, std::vector<std::string> args) {
  if (args.size() > 1 && args[0] == "key" && (args[1] == "status" || args[1] == "unblock")) {
    args.insert(args.end(), RedisArgs().begin(), RedisArgs().end());
  }
  args.push_back("--db");
  args.push_back(db);
  args.push_back("--json");
  CommandResult r = RunCommand(kBinary, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

inline rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

class LeadgateTest : public ::testing::Test {
 public:  // the helpers are used from test threads too
  void SetUp() override {
    RedisArgs().clear();
    if (PostgresBackend()) {
      LEADGATE_REQUIRE_SERVICES();
      db_ = CreateScratchDatabase();
      ASSERT_FALSE(db_.empty());
      RedisArgs() = {"--redis", GetTestServices()->redis_url, "--redis-prefix",
                     UniqueRedisPrefix()};
    } else {
      db_ = (dir_.path() / "leadgate.db").string();
    }
    const std::string project = Admin(db_, {"project", "create", "--name", "acme"});
    project_id_ = JsonField(project, "projectId");
    api_key_ = JsonField(project, "apiKey");
    process_id_ =
        JsonField(Admin(db_, {"process", "create", "--project", project_id_, "--name", "outbound"}),
                  "processId");
    ASSERT_EQ(project_id_.size(), 24u);
    ASSERT_EQ(process_id_.size(), 24u);
    StartServer();
  }

  virtual std::vector<std::string> ServerArgs() const { return {}; }

  void StartServer() {
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), RedisArgs().begin(), RedisArgs().end());
    server_ = std::make_unique<ServerProcess>(kBinary, db_, args);
    server_->Start();
  }

  // The server's store, opened alongside it (SQLite's WAL allows a second reader; PostgreSQL is
  // a server). For checking what is stored, and for setting up states no API reaches yet.
  std::unique_ptr<core::LeadStore> OpenTestStore() const {
    auto store = app::OpenStore({.db = db_});
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().ToString());
    return store ? std::move(*store) : nullptr;
  }

  unsigned short port() const { return server_->port(); }

  ClientResponse Post(const std::string& target, const std::string& body,
                      const std::string& key = "<default>",
                      const std::string& content_type = "application/json") {
    HeaderList headers;
    const std::string k = key == "<default>" ? api_key_ : key;
    if (!k.empty()) headers.emplace_back("Authorization", "Bearer " + k);
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    HttpClient client;
    auto connected = client.Connect(port());
    EXPECT_TRUE(connected.has_value());
    auto res = client.Send("POST", target, headers, body);
    EXPECT_TRUE(res.has_value()) << (res ? "" : res.error().ToString());
    return res ? *res : ClientResponse{};
  }

  ClientResponse Bulk(const std::string& body, const std::string& query = "") {
    return Post("/api/v1/leads/bulk/initiate" + query, body);
  }
  ClientResponse Single(const std::string& body, const std::string& query = "") {
    return Post("/api/v1/leads/initiate" + query, body);
  }

  // A lead object for this project and process with the given extra fields (JSON members,
  // without braces), e.g. Lead(R"("name":"Jane","phone":"+14155552671")").
  std::string Lead(const std::string& fields) const {
    return R"({"projectId":")" + project_id_ + R"(","processId":")" + process_id_ + "\"" +
           (fields.empty() ? "" : "," + fields) + "}";
  }

  TempDir dir_;
  std::string db_;
  std::string project_id_;
  std::string process_id_;
  std::string api_key_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace leadgate::testing

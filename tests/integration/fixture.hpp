// The integration fixture: a real `leadgate serve` on an ephemeral port over a fresh SQLite file,
// with a project, a process and an API key made through the real command line.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/test_util.hpp"

namespace leadgate::testing {

inline const std::string kBinary = LEADGATE_BINARY;

// Runs an admin command with --json against `db` and returns stdout; fails the test otherwise.
inline std::string Admin(const std::string& db, std::vector<std::string> args) {
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
    db_ = (dir_.path() / "leadgate.db").string();
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
    server_ = std::make_unique<ServerProcess>(kBinary, db_, ServerArgs());
    server_->Start();
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

// The command line: exit codes, one-line errors, and --json output that is one JSON object.
#include <gtest/gtest.h>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

class CliTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args, bool with_db = true) {
    if (with_db) {
      args.push_back("--db");
      args.push_back(db_);
    }
    return RunCommand(kBinary, args);
  }
  TempDir dir_;
  std::string db_ = (dir_.path() / "sub" / "cli.db").string();
};

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST_F(CliTest, VersionAndHelp) {
  auto version = Run({"--version"}, false);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "leadgate " LEADGATE_VERSION "\n");
  auto help = Run({"--help"}, false);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: leadgate"), std::string::npos);
  auto none = Run({}, false);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("usage: leadgate"), std::string::npos);
}

TEST_F(CliTest, ProjectProcessKeyLifecycleWithJson) {
  auto project = Run({"project", "create", "--name", "acme", "--region", "GB", "--json"});
  ASSERT_EQ(project.exit_code, 0) << project.err;
  EXPECT_EQ(Lines(project.out), 1);
  auto doc = ParseJson(project.out);
  ASSERT_TRUE(doc.IsObject());
  const std::string pid = doc["projectId"].GetString();
  EXPECT_EQ(std::string(doc["apiKey"].GetString()).rfind("lg_", 0), 0u);

  auto listed = ParseJson(Run({"project", "list", "--json"}).out);
  ASSERT_EQ(listed["projects"].Size(), 1u);
  EXPECT_STREQ(listed["projects"][0]["projectId"].GetString(), pid.c_str());
  EXPECT_STREQ(listed["projects"][0]["region"].GetString(), "GB");
  EXPECT_TRUE(listed["projects"][0]["active"].GetBool());

  auto process = Run({"process", "create", "--project", pid, "--name", "outbound", "--json"});
  ASSERT_EQ(process.exit_code, 0);
  const std::string proc = JsonField(process.out, "processId");
  auto processes = ParseJson(Run({"process", "list", "--project", pid, "--json"}).out);
  ASSERT_EQ(processes["processes"].Size(), 1u);
  EXPECT_STREQ(processes["processes"][0]["processId"].GetString(), proc.c_str());
  EXPECT_STREQ(processes["processes"][0]["name"].GetString(), "outbound");

  auto key = Run({"key", "create", "--project", pid, "--json"});
  ASSERT_EQ(key.exit_code, 0);
  auto revoked = Run({"key", "revoke", "--key-id", JsonField(key.out, "keyId"), "--json"});
  EXPECT_EQ(revoked.exit_code, 0);
  EXPECT_EQ(revoked.out, "{\"keyId\":\"" + JsonField(key.out, "keyId") + "\",\"revoked\":true}\n");

  auto deactivated = Run({"project", "deactivate", "--project", pid, "--json"});
  EXPECT_EQ(deactivated.out, "{\"projectId\":\"" + pid + "\",\"active\":false}\n");
}

TEST_F(CliTest, ErrorsAreOneLineAndNonZero) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const Case cases[] = {
      {{"project", "create"}, 2, "leadgate: --name is required\n"},
      {{"project", "create", "--name", "x", "--region", "usa"},
       2,
       "leadgate: --region must be an ISO 3166 alpha-2 code such as US, not usa\n"},
      {{"project", "create", "--nmae", "x"}, 2, "leadgate: unknown flag --nmae\n"},
      {{"process", "create", "--project", "0123456789abcdef01234567", "--name", "p"}, 1, ""},
      {{"key", "revoke", "--key-id", "0123456789abcdef01234567"}, 1, ""},
      {{"project", "deactivate", "--project", "0123456789abcdef01234567"}, 1, ""},
  };
  for (const auto& c : cases) {
    auto r = Run(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args[1];
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(Lines(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind("leadgate: ", 0), 0u) << r.err;
    if (!c.message.empty()) {
      EXPECT_EQ(r.err, c.message);
    }
  }
  auto bad_command = Run({"frobnicate"}, false);
  EXPECT_EQ(bad_command.exit_code, 2);
}

TEST_F(CliTest, DemoIsCreatedOnceAndReused) {
  auto first = Run({"demo"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = Run({"demo"});
  ASSERT_EQ(second.exit_code, 0);
  EXPECT_EQ(first.out, second.out);  // same project, process and key
  EXPECT_NE(first.out.find("curl -s 'http://127.0.0.1:8080/api/v1/leads/bulk/initiate'"),
            std::string::npos);
  auto projects = ParseJson(Run({"project", "list", "--json"}).out);
  EXPECT_EQ(projects["projects"].Size(), 1u);
}

}  // namespace
}  // namespace leadgate::testing

// Races and restarts: the guarantees that hold only if the store is right.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

class ConcurrencyDurabilityTest : public LeadgateTest {
 protected:
  // 15 of the 16 racers are duplicate submissions of one key: with the default policy the key
  // would be blocked after the 6th, and this test is about the store, not the guard.
  std::vector<std::string> ServerArgs() const override { return {"--dup-max-strikes", "1000"}; }
};

// 16 clients send, at once, a lead with the same `shared` field and otherwise distinct data.
void Race(LeadgateTest& t, const std::function<std::string(int)>& lead_fields, int& successes,
          int& duplicates, std::string& duplicate_code) {
  constexpr int kClients = 16;
  std::atomic<int> ok{0};
  std::atomic<int> dup{0};
  std::vector<std::string> codes(kClients);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      const std::string body = "{\"leads\":[" + t.Lead(lead_fields(i)) + "]}";
      while (!go) std::this_thread::yield();
      const auto res = t.Bulk(body);
      if (res.status != 200) return;
      auto doc = ParseJson(res.body);
      ok += static_cast<int>(doc["success"].Size());
      if (doc["errors"].Size() == 1) {
        ++dup;
        codes[i] = doc["errors"][0]["code"].GetString();
      }
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  successes = ok;
  duplicates = dup;
  for (const auto& c : codes) {
    if (!c.empty()) duplicate_code = c;
  }
}

TEST_F(ConcurrencyDurabilityTest, SixteenRacersOnOnePhoneMakeExactlyOneLead) {
  int ok = 0, dup = 0;
  std::string code;
  Race(
      *this,
      [](int i) {
        return "\"name\":\"Racer " + std::to_string(i) +
               "\",\"phone\":\"+1 415 555 2671\",\"email\":\"r" + std::to_string(i) +
               "@example.com\"";
      },
      ok, dup, code);
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(dup, 15);
  EXPECT_EQ(code, "duplicate_phone");
}

TEST_F(ConcurrencyDurabilityTest, SixteenRacersOnOneEmailMakeExactlyOneLead) {
  int ok = 0, dup = 0;
  std::string code;
  Race(
      *this,
      [](int i) {
        return "\"name\":\"Racer " + std::to_string(i) + "\",\"email\":\"Same@Example.com\"";
      },
      ok, dup, code);
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(dup, 15);
  EXPECT_EQ(code, "duplicate_email");
}

// Every lead in a 200 is on disk: after a clean restart, and after SIGKILL.
TEST_F(ConcurrencyDurabilityTest, AcknowledgedLeadsSurviveRestartAndKill) {
  std::set<std::string> acknowledged;
  auto send_batches = [&](int from) {
    for (int batch = 0; batch < 5; ++batch) {
      std::string body = "{\"leads\":[";
      for (int i = 0; i < 50; ++i) {
        const int n = from + batch * 50 + i;
        if (i) body += ",";
        body += Lead("\"name\":\"L" + std::to_string(n) + "\",\"email\":\"l" + std::to_string(n) +
                     "@example.com\"");
      }
      body += "]}";
      const auto res = Bulk(body);
      ASSERT_EQ(res.status, 200);
      auto doc = ParseJson(res.body);
      for (const auto& lead : doc["success"].GetArray())
        acknowledged.insert(lead["_id"].GetString());
    }
  };
  send_batches(0);
  EXPECT_EQ(server_->Stop(), 0);  // clean shutdown on SIGTERM
  StartServer();
  send_batches(1000);
  server_->Kill();
  StartServer();

  ASSERT_EQ(acknowledged.size(), 500u);
  auto store = OpenTestStore();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->CountLeads(project_id_).value_or(-1), 500);
  for (const auto& id : acknowledged) {
    auto lead = store->GetLead(project_id_, id);
    ASSERT_TRUE(lead.has_value());
    EXPECT_TRUE(lead->has_value()) << id;
  }
  // And the restarted server sees them too.
  const auto res = Bulk("{\"leadIds\":[\"" + *acknowledged.begin() + "\"],\"init\":false}");
  EXPECT_EQ(ParseJson(res.body)["success"].Size(), 1u);
}

}  // namespace
}  // namespace leadgate::testing

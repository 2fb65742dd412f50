// Hostile and broken input against a real server: each gets its exact 4xx (or a clean close),
// and the server goes on serving.
#include <gtest/gtest.h>

#include "integration/fixture.hpp"

namespace leadgate::testing {
namespace {

class BadInputTest : public LeadgateTest {
 protected:
  void ExpectStillServing() {
    const auto res = Bulk("{\"leads\":[" + Lead(R"("name":"Ok","email":"ok@example.com")") + "]}");
    EXPECT_EQ(res.status, 200);
  }
};

TEST_F(BadInputTest, MalformedJsonVariantsAre400) {
  const std::string cases[] = {
      "{\"leads\":[{\"name\":\"A\"",            // truncated
      "{\"leads\":[}",                          // broken structure
      "{\"leads\":[],}",                        // trailing comma
      "{'leads':[]}",                           // single quotes
      "{\"leads\":[]} trailing",                // trailing garbage
      "{\"leads\":[]}{}",                       // two documents
      "{\"leads\":[],\"x\":tru}",               // bad atom in an ignored field
      "{\"leads\":[],\"x\":\"\\q\"}",           // bad escape in an ignored field
      "{\"leads\":[],\"x\":1e999}",             // number out of range
      "{\"leads\":[],\"x\":\"\xff\xfe\"}",      // invalid UTF-8
      "{\"leads\":[{\"name\":\"\xc3\x28\"}]}",  // invalid UTF-8 in a lead
      "{\"leads\":[],\"x\":\"a\x01b\"}",        // raw control character in a string
  };
  for (const auto& body : cases) {
    const auto res = Bulk(body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(res.body, R"({"error":"Invalid JSON body"})") << body;
  }
  ExpectStillServing();
}

TEST_F(BadInputTest, DeepNestingIs400) {
  const std::string deep =
      "{\"leads\":[],\"x\":" + std::string(10000, '[') + std::string(10000, ']') + "}";
  const auto res = Bulk(deep);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, R"({"error":"Invalid JSON body"})");
  ExpectStillServing();
}

TEST_F(BadInputTest, HugeIntegersInMetadataAreKept) {
  const auto res = Bulk(
      "{\"leads\":[" +
      Lead(
          R"("name":"A","email":"a@example.com","metadata":{"n":123456789012345678901234567890})") +
      "]}");
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(res.body.find(R"("metadata":{"n":123456789012345678901234567890})"), std::string::npos);
}

TEST_F(BadInputTest, NineMebibyteBodyIs413AndTheServerGoesOn) {
  const std::string body = "{\"leads\":[],\"pad\":\"" + std::string(9u << 20, 'x') + "\"}";
  const auto res = Bulk(body);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.body, R"({"error":"Request body too large"})");
  ExpectStillServing();
}

TEST_F(BadInputTest, GarbageInsteadOfHttpIsClosedCleanly) {
  struct Case {
    std::string bytes;
    std::string status_line;  // what the server answers before closing ("" = closes silently)
  };
  const Case cases[] = {
      {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), "HTTP/1.1 400 Bad Request"},
      {"HELLO WORLD\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/9.9\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"},
  };
  for (const auto& c : cases) {
    HttpClient client;
    ASSERT_TRUE(client.Connect(port()).has_value());
    ASSERT_TRUE(client.SendRaw(c.bytes).has_value());
    const RawReceive got = client.ReceiveRaw(std::chrono::seconds(5));
    EXPECT_TRUE(got.closed);
    EXPECT_EQ(got.bytes.substr(0, got.bytes.find("\r\n")), c.status_line) << got.bytes;
  }
  ExpectStillServing();
}

TEST_F(BadInputTest, KeepAliveCarriesManyRequestsOnOneConnection) {
  HttpClient client;
  ASSERT_TRUE(client.Connect(port()).has_value());
  for (int i = 0; i < 5; ++i) {
    auto res =
        client.Send("POST", "/api/v1/leads/bulk/initiate",
                    {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}},
                    i % 2 ? "{bad" : "{\"leads\":[]}");
    ASSERT_TRUE(res.has_value());
    EXPECT_EQ(res->status, i % 2 ? 400 : 200);
    EXPECT_TRUE(res->keep_alive);
  }
}

}  // namespace
}  // namespace leadgate::testing

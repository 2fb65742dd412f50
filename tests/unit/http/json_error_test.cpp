#include "http/json_error.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <string>

namespace leadgate::http {
namespace {

namespace bhttp = boost::beast::http;

TEST(HttpJsonErrorTest, ErrorBodyHasExactShape) {
  EXPECT_EQ(MakeErrorBody("Request body too large"), R"({"error":"Request body too large"})");
}

TEST(HttpJsonErrorTest, ErrorBodyEscapesJsonSpecials) {
  EXPECT_EQ(MakeErrorBody("a\"b\\c\nd\x01"), R"({"error":"a\"b\\c\nd\u0001"})");
  EXPECT_EQ(MakeErrorBody(std::string("nul\0byte", 8)), R"({"error":"nul\u0000byte"})");
  EXPECT_EQ(MakeErrorBody("caf\xc3\xa9"), "{\"error\":\"caf\xc3\xa9\"}");
}

TEST(HttpJsonErrorTest, ErrorResponseHasJsonHeadersAndLength) {
  const Response res = MakeErrorResponse(11, false, bhttp::status::not_found, "Not found");
  EXPECT_EQ(res.result(), bhttp::status::not_found);
  EXPECT_EQ(res.version(), 11u);
  EXPECT_EQ(res.body(), R"({"error":"Not found"})");
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::server], "leadgate");
  EXPECT_EQ(res[bhttp::field::content_length], std::to_string(res.body().size()));
  EXPECT_FALSE(res.keep_alive());
}

TEST(HttpJsonErrorTest, JsonResponseKeepsBodyAndKeepAlive) {
  const Response res = MakeJsonResponse(10, true, bhttp::status::ok, R"({"success":[]})");
  EXPECT_EQ(res.body(), R"({"success":[]})");
  EXPECT_EQ(res.version(), 10u);
  EXPECT_TRUE(res.keep_alive());
  EXPECT_EQ(res[bhttp::field::content_length], "14");
}

}  // namespace
}  // namespace leadgate::http

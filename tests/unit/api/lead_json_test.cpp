#include <gtest/gtest.h>

#include "api/lead_read_json.hpp"
#include "api/lead_request_json.hpp"

namespace leadgate::api {
namespace {

TEST(LeadReadJson, MaskKeepsThePlusAndTheLastFourDigits) {
  EXPECT_EQ(MaskPhone("+14155552671"), "+*******2671");
  EXPECT_EQ(MaskPhone("+442079460958"), "+********0958");
  EXPECT_EQ(MaskPhone("+1234"), "+1234");
}

TEST(LeadReadJson, CursorRoundTripsAndRejectsForgeries) {
  const core::LeadCursor c{core::FromUnixMillis(1795953600123), "6b0c13c00102030405000010"};
  EXPECT_EQ(DecodeCursor(EncodeCursor(c)), c);
  for (const char* bad :
       {"", "abc", "123", ".6b0c13c00102030405000010", "-1.6b0c13c00102030405000010", "12.xyz",
        "12x.6b0c13c00102030405000010"}) {
    EXPECT_FALSE(DecodeCursor(bad)) << bad;
  }
}

TEST(LeadRequestJson, MetadataMergeIsShallowAndNullDeletes) {
  auto merged = MergeMetadata(R"({"a":1,"b":{"x":1},"c":"keep"})",
                              {{"a", "2"}, {"b", R"({"y":2})"}, {"c", std::nullopt}, {"d", "[1]"}});
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(*merged, R"({"a":2,"b":{"y":2},"d":[1]})");
  EXPECT_EQ(MergeMetadata(std::nullopt, {{"k", "\"v\""}}).value(), R"({"k":"v"})");
  EXPECT_EQ(MergeMetadata(R"({"k":1})", {{"k", std::nullopt}}).value(), std::nullopt);
}

TEST(LeadRequestJson, MergedMetadataMustStayWithinTheLimits) {
  auto big = MergeMetadata(std::nullopt, {{"x", "\"" + std::string(16400, 'y') + "\""}});
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().message, "metadata exceeds 16384 bytes");
  std::string deep = "{}";
  for (int i = 0; i < 8; ++i) deep = "{\"a\":" + deep + "}";
  auto nested = MergeMetadata(std::nullopt, {{"x", deep}});
  ASSERT_FALSE(nested.has_value());
  EXPECT_EQ(nested.error().message, "metadata nesting exceeds depth 8");
}

TEST(LeadRequestJson, UpdateBodySortsFieldsIntoTheirPlaces) {
  auto body = DecodeUpdateBody(
      R"({"leadId":" abc ","metadata":{"a":null,"b":[1, 2]},"name":"N","note":"x","userId":"u"})");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->lead_id, "abc");
  EXPECT_TRUE(body->has_metadata);
  ASSERT_EQ(body->metadata.size(), 2u);
  EXPECT_EQ(body->metadata[0].first, "a");
  EXPECT_FALSE(body->metadata[0].second);
  EXPECT_EQ(body->metadata[1].second, "[1,2]");
  ASSERT_EQ(body->extra.size(), 1u);
  EXPECT_EQ(body->extra[0].first, "note");
  EXPECT_EQ(body->user_id, "u");
  EXPECT_EQ(DecodeUpdateBody(R"({"email":"x"})").error().message,
            "email cannot be changed through update");
  EXPECT_EQ(DecodeUpdateBody(R"({"metadata":[1]})").error().message, "metadata must be an object");
  EXPECT_EQ(DecodeUpdateBody(R"({"name":1})").error().message, "name must be a string");
  EXPECT_EQ(DecodeUpdateBody("[]").error().message, "Invalid JSON body");
  EXPECT_EQ(DecodeUpdateBody("{\"a\":\"\xff\"}").error().message, "Invalid JSON body");
  EXPECT_EQ(DecodeUpdateBody("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}")
                .error()
                .message,
            "Invalid JSON body");
}

TEST(LeadRequestJson, QueryBody) {
  auto q = DecodeQueryBody(R"({"groupId":" g ","limit":5,"phone":null})");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->group_id, "g");
  EXPECT_EQ(q->limit, 5);
  EXPECT_FALSE(q->phone);
  EXPECT_EQ(DecodeQueryBody(R"({"limit":2.5})").error().message,
            "limit must be an integer from 1 to 1000");
  EXPECT_EQ(DecodeQueryBody(R"({"x":1})").error().message, "Unknown field: x");
}

}  // namespace
}  // namespace leadgate::api

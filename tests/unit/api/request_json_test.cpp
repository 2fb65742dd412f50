#include "api/request_json.hpp"

#include <gtest/gtest.h>

namespace leadgate::api {
namespace {

core::Result<BulkInitiateBody> Decode(const std::string& s) { return DecodeBulkInitiate(s); }

TEST(RequestJson, DecodesLeadFields) {
  auto body = Decode(
      R"({"leads":[{"projectId":" p1 ","processId":"pr","groupId":"g","phone":"+1 415","email":"A@b.co",)"
      R"("name":"Jane Doe","firstName":"Jane","lastName":"Doe","referenceId":"r","metadata":{ "a" : [1, 2] },"extra":{"x":[null,true]}}],"init":false})");
  ASSERT_TRUE(body.has_value()) << body.error().ToString();
  ASSERT_EQ(body->leads.items.size(), 1u);
  const auto& lead = body->leads.items[0];
  EXPECT_EQ(lead.project_id, "p1");
  EXPECT_EQ(lead.process_id, "pr");
  EXPECT_EQ(lead.process_id_token, "pr");
  EXPECT_EQ(lead.group_id, "g");
  EXPECT_EQ(lead.phone, "+1 415");
  EXPECT_EQ(lead.email, "A@b.co");
  EXPECT_EQ(lead.name, "Jane Doe");
  EXPECT_EQ(lead.first_name, "Jane");
  EXPECT_EQ(lead.last_name, "Doe");
  EXPECT_EQ(lead.reference_id, "r");
  EXPECT_EQ(lead.metadata_json, R"({"a":[1,2]})");
  EXPECT_EQ(lead.metadata_depth, 2);
  EXPECT_EQ(lead.wrong_type_field, "");
  EXPECT_EQ(body->init.value, false);
}

}  // namespace
}  // namespace leadgate::api

namespace leadgate::api {
namespace {

core::LeadInput OneLead(const std::string& lead_json) {
  auto body = DecodeBulkInitiate("{\"leads\":[" + lead_json + "]}");
  EXPECT_TRUE(body.has_value()) << lead_json;
  if (!body || body->leads.items.size() != 1) return {};
  return body->leads.items[0];
}

TEST(RequestJson, NullsAndEmptyStringsAreAbsent) {
  const auto lead = OneLead(
      R"({"projectId":null,"processId":"","phone":null,"email":"  ","name":"\u00a0","metadata":null})");
  EXPECT_FALSE(lead.project_id);
  EXPECT_FALSE(lead.process_id);
  EXPECT_EQ(lead.process_id_token, "undefined");
  EXPECT_FALSE(lead.phone);
  EXPECT_FALSE(lead.email);
  EXPECT_FALSE(lead.name);
  EXPECT_FALSE(lead.metadata_json);
  EXPECT_EQ(lead.wrong_type_field, "");
}

TEST(RequestJson, FirstWrongTypedFieldInTableOrderIsReported) {
  EXPECT_EQ(OneLead(R"({"metadata":[1],"email":5,"phone":true})").wrong_type_field, "phone");
  EXPECT_EQ(OneLead(R"({"metadata":"x","lastName":{}})").wrong_type_field, "lastName");
  EXPECT_EQ(OneLead(R"({"metadata":7})").wrong_type_field, "metadata");
  EXPECT_EQ(OneLead(R"({"groupId":1,"referenceId":2})").wrong_type_field, "groupId");
}

TEST(RequestJson, NonStringProjectAndProcessIds) {
  const auto lead = OneLead(R"({"projectId":123,"processId":456})");
  EXPECT_FALSE(lead.project_id);
  EXPECT_FALSE(lead.process_id);
  EXPECT_EQ(lead.process_id_token, "456");
  EXPECT_EQ(OneLead(R"({"processId":{"a" : 1}})").process_id_token, R"({"a" : 1})");
  EXPECT_EQ(OneLead(R"({"processId":null})").process_id_token, "undefined");
}

TEST(RequestJson, EscapesAndUnicodeAreDecodedAndTrimmed) {
  const auto lead = OneLead(
      R"({"name":"  Zo\u00eb \"Z\" O\u2019Neil\t","email":"\u0061@b.co","referenceId":"\ud83d\ude00"})");
  EXPECT_EQ(lead.name, "Zoë \"Z\" O’Neil");
  EXPECT_EQ(lead.email, "a@b.co");
  EXPECT_EQ(lead.reference_id, "😀");
}

TEST(RequestJson, RawLeadIsKeptAsSent) {
  const std::string raw = R"({ "name" : "A",  "x": [1, 2] })";
  EXPECT_EQ(OneLead(raw).raw_json, raw);
}

TEST(RequestJson, MetadataIsMinifiedWithEscapesKeptAndDepthMeasured) {
  const auto lead = OneLead(R"({"metadata":{ "a" : "caf\u00e9", "b" : { "c" : [ { } ] } }})");
  EXPECT_EQ(lead.metadata_json, R"({"a":"caf\u00e9","b":{"c":[{}]}})");
  EXPECT_EQ(lead.metadata_depth, 4);
  EXPECT_EQ(OneLead(R"({"metadata":{}})").metadata_depth, 1);
}

TEST(RequestJson, NonObjectLeadItemsKeepTheirRawText) {
  auto body = DecodeBulkInitiate(R"({"leads":[1,"x",[true],null]})");
  ASSERT_TRUE(body.has_value());
  ASSERT_EQ(body->leads.items.size(), 4u);
  EXPECT_EQ(body->leads.items[0].raw_json, "1");
  EXPECT_EQ(body->leads.items[1].raw_json, "\"x\"");
  EXPECT_EQ(body->leads.items[2].raw_json, "[true]");
  EXPECT_EQ(body->leads.items[3].raw_json, "null");
  EXPECT_FALSE(body->leads.items[0].project_id);
}

TEST(RequestJson, ArrayFieldPresenceAndTypes) {
  auto absent = DecodeBulkInitiate(R"({"other":1})");
  ASSERT_TRUE(absent.has_value());
  EXPECT_FALSE(absent->leads.present);
  EXPECT_FALSE(absent->lead_ids.present);

  auto null_leads = DecodeBulkInitiate(R"({"leads":null,"leadIds":"x"})");
  ASSERT_TRUE(null_leads.has_value());
  EXPECT_FALSE(null_leads->leads.present);
  EXPECT_TRUE(null_leads->lead_ids.present);
  EXPECT_TRUE(null_leads->lead_ids.wrong_type);

  auto ids = DecodeBulkInitiate(R"({"leadIds":[" 0123456789abcdef01234567 ",7,null]})");
  ASSERT_TRUE(ids.has_value());
  ASSERT_EQ(ids->lead_ids.items.size(), 3u);
  EXPECT_EQ(ids->lead_ids.items[0].value, "0123456789abcdef01234567");
  EXPECT_EQ(ids->lead_ids.items[0].raw_json, "\" 0123456789abcdef01234567 \"");
  EXPECT_FALSE(ids->lead_ids.items[1].value);
  EXPECT_EQ(ids->lead_ids.items[1].raw_json, "7");
  EXPECT_EQ(ids->lead_ids.items[2].raw_json, "null");
}

TEST(RequestJson, InitMustBeBoolean) {
  auto yes = DecodeBulkInitiate(R"({"init":true})");
  ASSERT_TRUE(yes.has_value());
  EXPECT_EQ(yes->init.value, true);
  auto bad = DecodeBulkInitiate(R"({"init":"true"})");
  ASSERT_TRUE(bad.has_value());
  EXPECT_TRUE(bad->init.wrong_type);
  auto null_init = DecodeBulkInitiate(R"({"init":null})");
  ASSERT_TRUE(null_init.has_value());
  EXPECT_FALSE(null_init->init.value);
  EXPECT_FALSE(null_init->init.wrong_type);
}

TEST(RequestJson, InvalidDocumentsAreRejected) {
  const std::string cases[] = {
      "",
      "   ",
      "[]",
      "\"text\"",
      "{",
      "{\"a\":1,}",
      "{\"a\":1} x",
      "{\"a\":1}{}",
      "{\"a\":nul}",
      "{\"a\":[1,2}",
      "{\"a\":\"\\x\"}",
      "{\"a\":\"\xff\"}",
      "{\"leads\":[{\"metadata\":{\"a\":tru}}]}",
      "{\"leads\":[{\"name\":\"\xe2\x82\"}]}",
      "{\"leads\":[[1,]]}",
      "{\"a\":1e999}",
      std::string("{\"a\":\"x\0y\"}", 12),
  };
  for (const auto& c : cases) {
    auto r = DecodeBulkInitiate(c);
    EXPECT_FALSE(r.has_value()) << c;
    if (!r) {
      EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
    }
  }
}

TEST(RequestJson, NestingBeyondTheDocumentLimitIsRejected) {
  const auto nest = [](int depth) {
    return "{\"x\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  EXPECT_TRUE(DecodeBulkInitiate(nest(kMaxDocumentDepth - 1)).has_value());
  EXPECT_FALSE(DecodeBulkInitiate(nest(kMaxDocumentDepth)).has_value());
  EXPECT_FALSE(DecodeBulkInitiate(nest(10000)).has_value());
}

TEST(RequestJson, SingleInitiateShapes) {
  auto lead = DecodeSingleInitiate(R"({"lead":{"name":"A"},"init":false})");
  ASSERT_TRUE(lead.has_value());
  ASSERT_TRUE(lead->lead.has_value());
  EXPECT_EQ(lead->lead->name, "A");
  EXPECT_FALSE(lead->lead_not_object);
  EXPECT_FALSE(lead->lead_id);
  EXPECT_EQ(lead->init.value, false);

  auto id = DecodeSingleInitiate(R"({"leadId":"abc","lead":null})");
  ASSERT_TRUE(id.has_value());
  EXPECT_FALSE(id->lead);
  EXPECT_EQ(id->lead_id->value, "abc");

  auto not_object = DecodeSingleInitiate(R"({"lead":"x"})");
  ASSERT_TRUE(not_object.has_value());
  EXPECT_TRUE(not_object->lead_not_object);
}

}  // namespace
}  // namespace leadgate::api

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

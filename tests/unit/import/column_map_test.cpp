#include "import/column_map.hpp"

#include <gtest/gtest.h>

#include "core/phone.hpp"

namespace leadgate::import {
namespace {

using Kind = ColumnTarget::Kind;

Record Row(std::vector<Field> fields) {
  Record r;
  r.row = 1;
  r.line = 2;
  r.fields = std::move(fields);
  return r;
}

TEST(ColumnMap, KnownNamesInAnySpelling) {
  auto map = ColumnMap::Create({});
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(map->For("phone"), (ColumnTarget{Kind::kLeadField, "phone"}));
  EXPECT_EQ(map->For("Email"), (ColumnTarget{Kind::kLeadField, "email"}));
  EXPECT_EQ(map->For("first_name"), (ColumnTarget{Kind::kLeadField, "firstName"}));
  EXPECT_EQ(map->For("firstName"), (ColumnTarget{Kind::kLeadField, "firstName"}));
  EXPECT_EQ(map->For("First Name"), (ColumnTarget{Kind::kLeadField, "firstName"}));
  EXPECT_EQ(map->For("last_name"), (ColumnTarget{Kind::kLeadField, "lastName"}));
  EXPECT_EQ(map->For("name"), (ColumnTarget{Kind::kLeadField, "name"}));
  EXPECT_EQ(map->For("reference_id"), (ColumnTarget{Kind::kLeadField, "referenceId"}));
  EXPECT_EQ(map->For("group_id"), (ColumnTarget{Kind::kLeadField, "groupId"}));
  EXPECT_EQ(map->For("projectId"), (ColumnTarget{Kind::kSkip, ""}));
  EXPECT_EQ(map->For("Plan"), (ColumnTarget{Kind::kMetadata, "Plan"}));
}

TEST(ColumnMap, OverridesByExactColumnName) {
  auto map = ColumnMap::Create(
      {"Mobile=phone", "Notes=skip", "phone=metadata.landline", "CRM ID=reference_id"});
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(map->For("Mobile"), (ColumnTarget{Kind::kLeadField, "phone"}));
  EXPECT_EQ(map->For("mobile"), (ColumnTarget{Kind::kMetadata, "mobile"}));
  EXPECT_EQ(map->For("Notes"), (ColumnTarget{Kind::kSkip, ""}));
  EXPECT_EQ(map->For("phone"), (ColumnTarget{Kind::kMetadata, "landline"}));
  EXPECT_EQ(map->For("CRM ID"), (ColumnTarget{Kind::kLeadField, "referenceId"}));
}

TEST(ColumnMap, BadOverridesAreUsageErrors) {
  for (const std::string bad : {"phone", "=phone", "a=", "a=phonenumber", "a=metadata."}) {
    auto map = ColumnMap::Create({bad});
    ASSERT_FALSE(map.has_value()) << bad;
    EXPECT_EQ(map.error().code, core::ErrorCode::kInvalidArgument);
  }
}

TEST(LeadEncoder, MapsFieldsAndPutsTheRestIntoMetadata) {
  LeadEncoder encoder(*ColumnMap::Create({}), "p1", "q1", "", nullptr);
  std::string out;
  auto failure = encoder.Append(Row({{"first_name", "Jane", false},
                                     {"phone", "+1 415 555 2671", false},
                                     {"Plan", "gold \"vip\"", false},
                                     {"empty", "", false},
                                     {"email", "", false},
                                     {"n", "3", true},
                                     {"nested", "{\"a\":1}", true}}),
                                out);
  EXPECT_FALSE(failure.has_value());
  EXPECT_EQ(out,
            R"({"projectId":"p1","processId":"q1","firstName":"Jane","phone":"+1 415 555 2671",)"
            R"("metadata":{"Plan":"gold \"vip\"","n":3,"nested":{"a":1}}})");
}

TEST(LeadEncoder, LocalFailuresAppendNothing) {
  LeadEncoder encoder(*ColumnMap::Create({}), "p1", "q1", "", nullptr);
  std::string out = "x";
  EXPECT_EQ(encoder.Append(Row({{"name", "Jane", false}, {"phone", "  ", false}}), out),
            (LocalFailure{"missing_contact", "Either phone or email is required"}));
  EXPECT_EQ(encoder.Append(Row({{"phone", "\xff\xfe", false}}), out),
            (LocalFailure{"invalid_utf8", "column phone is not valid UTF-8"}));
  Record unreadable;
  unreadable.error = "unterminated quote";
  EXPECT_EQ(encoder.Append(unreadable, out),
            (LocalFailure{"unreadable_row", "unterminated quote"}));
  EXPECT_EQ(out, "x");
  // A number for phone (NDJSON) counts as a contact and is sent as a string.
  EXPECT_FALSE(encoder.Append(Row({{"phone", "4155552671", true}}), out).has_value());
  EXPECT_EQ(out, R"(x{"projectId":"p1","processId":"q1","phone":"4155552671"})");
}

TEST(LeadEncoder, RegionNormalisesValidPhonesOnly) {
  core::PhoneNumbers phones;
  LeadEncoder encoder(*ColumnMap::Create({}), "p", "q", "GB", &phones);
  std::string out;
  ASSERT_FALSE(encoder.Append(Row({{"phone", "020 7946 0958", false}}), out).has_value());
  ASSERT_FALSE(encoder.Append(Row({{"phone", "12", false}}), out).has_value());
  EXPECT_EQ(out, R"({"projectId":"p","processId":"q","phone":"+442079460958"})"
                 R"({"projectId":"p","processId":"q","phone":"12"})");
}

}  // namespace
}  // namespace leadgate::import

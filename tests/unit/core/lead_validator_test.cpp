#include "core/lead_validator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <variant>

namespace leadgate::core {
namespace {

using Outcome = std::pair<std::string, std::string>;  // {code, message}, or {"ok", ""}

const PhoneNumbers& Phones() {
  static const PhoneNumbers phones;
  return phones;
}

// A lead that passes every check; each test breaks some things.
LeadInput GoodInput() {
  LeadInput in;
  in.raw_json = R"({"projectId":"p","processId":"proc-1"})";
  in.project_id = "65a1b2c3d4e5f60718293a4b";
  in.process_id = "proc-1";
  in.process_id_token = "proc-1";
  in.phone = "+1 (415) 555-2671";
  in.email = "Jane.Doe@Example.com";
  in.name = "Jane Doe";
  return in;
}

Outcome Validate(const LeadInput& in, std::string_view region = "US") {
  auto result = ValidateLead(in, Phones(), region);
  if (std::holds_alternative<Lead>(result)) return {"ok", ""};
  const LeadError& error = std::get<LeadError>(result);
  EXPECT_EQ(error.existing_lead_id, "");
  return {std::string(ToCode(error.code)), error.message};
}

Lead ValidLead(const LeadInput& in, std::string_view region = "US") {
  auto result = ValidateLead(in, Phones(), region);
  if (auto* error = std::get_if<LeadError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->message;
    return Lead{};
  }
  return std::get<Lead>(std::move(result));
}

std::string Chars(std::size_t n, std::string_view unit = "a") {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return s;
}

// A minified object of exactly `bytes` bytes: {"k":"aaa..."}.
std::string MetadataOfSize(std::size_t bytes) {
  return R"({"k":")" + std::string(bytes - 8, 'a') + R"("})";
}

// ---- Success and normalisation ----

TEST(ValidateLead, FillsContentFieldsOnly) {
  LeadInput in = GoodInput();
  in.group_id = "g1";
  in.reference_id = "crm-42";
  in.metadata_json = R"({"source":"web"})";
  in.metadata_depth = 1;
  Lead want;
  want.process_id = "proc-1";
  want.group_id = "g1";
  want.name = "Jane Doe";
  want.first_name = "Jane";
  want.last_name = "Doe";
  want.phone = "+14155552671";
  want.email = "jane.doe@example.com";
  want.reference_id = "crm-42";
  want.metadata_json = R"({"source":"web"})";
  EXPECT_EQ(ValidLead(in), want);
}

TEST(ValidateLead, LeavesIdentityStateAndTimesForTheIngestService) {
  const Lead lead = ValidLead(GoodInput());
  EXPECT_EQ(lead.id, "");
  EXPECT_EQ(lead.project_id, "");
  EXPECT_EQ(lead.state, LeadState::kCreated);
  EXPECT_EQ(lead.attempts, 0);
  EXPECT_EQ(lead.next_attempt_at, std::nullopt);
  EXPECT_EQ(lead.created_at, TimePoint{});
  EXPECT_EQ(lead.updated_at, TimePoint{});
}

TEST(ValidateLead, PhoneOnlyAndEmailOnlyAreEnough) {
  LeadInput phone_only = GoodInput();
  phone_only.email.reset();
  const Lead a = ValidLead(phone_only);
  EXPECT_EQ(a.phone, "+14155552671");
  EXPECT_EQ(a.email, std::nullopt);

  LeadInput email_only = GoodInput();
  email_only.phone.reset();
  const Lead b = ValidLead(email_only);
  EXPECT_EQ(b.phone, std::nullopt);
  EXPECT_EQ(b.email, "jane.doe@example.com");
}

TEST(ValidateLead, PhoneUsesTheDefaultRegion) {
  LeadInput in = GoodInput();
  in.phone = "020 7946 0958";
  EXPECT_EQ(ValidLead(in, "GB").phone, "+442079460958");
  EXPECT_EQ(Validate(in, "US"), Outcome("invalid_phone", "Invalid phone number"));
}

TEST(ValidateLead, FirstNameWithoutNameBuildsName) {
  LeadInput in = GoodInput();
  in.name.reset();
  in.first_name = "Jane";
  in.last_name = "Doe";
  const Lead lead = ValidLead(in);
  EXPECT_EQ(lead.name, "Jane Doe");
  EXPECT_EQ(lead.first_name, "Jane");
  EXPECT_EQ(lead.last_name, "Doe");
}

TEST(ValidateLead, OneWordNameGivesOnlyFirstName) {
  LeadInput in = GoodInput();
  in.name = "Cher";
  const Lead lead = ValidLead(in);
  EXPECT_EQ(lead.name, "Cher");
  EXPECT_EQ(lead.first_name, "Cher");
  EXPECT_EQ(lead.last_name, std::nullopt);
}

TEST(ValidateLead, AbsentOptionalFieldsStayAbsent) {
  const Lead lead = ValidLead(GoodInput());
  EXPECT_EQ(lead.group_id, std::nullopt);
  EXPECT_EQ(lead.reference_id, std::nullopt);
  EXPECT_EQ(lead.metadata_json, std::nullopt);
}

// ---- One row of the table at a time ----

TEST(ValidateLead, WrongTypeNamesTheField) {
  for (const char* field :
       {"groupId", "phone", "email", "name", "firstName", "lastName", "referenceId"}) {
    LeadInput in = GoodInput();
    in.wrong_type_field = field;
    EXPECT_EQ(Validate(in), Outcome("invalid_type", std::string(field) + " must be a string"));
  }
}

TEST(ValidateLead, WrongTypeMetadata) {
  LeadInput in = GoodInput();
  in.wrong_type_field = "metadata";
  EXPECT_EQ(Validate(in), Outcome("invalid_type", "metadata must be an object"));
}

struct LengthCase {
  std::optional<std::string> LeadInput::*field;
  const char* json_name;
  std::size_t limit;
};

const LengthCase kLengthCases[] = {
    {&LeadInput::group_id, "groupId", 128},   {&LeadInput::reference_id, "referenceId", 128},
    {&LeadInput::name, "name", 256},          {&LeadInput::first_name, "firstName", 256},
    {&LeadInput::last_name, "lastName", 256},
};

TEST(ValidateLead, TextFieldsAtTheirLimitPass) {
  for (const LengthCase& c : kLengthCases) {
    LeadInput in = GoodInput();
    in.*c.field = Chars(c.limit);
    EXPECT_EQ(Validate(in), Outcome("ok", "")) << c.json_name;
  }
}

TEST(ValidateLead, TextFieldsOverTheirLimitFail) {
  for (const LengthCase& c : kLengthCases) {
    LeadInput in = GoodInput();
    in.*c.field = Chars(c.limit + 1);
    EXPECT_EQ(Validate(in), Outcome("field_too_long", std::string(c.json_name) + " exceeds " +
                                                          std::to_string(c.limit) + " characters"));
  }
}

TEST(ValidateLead, ANulCharacterInATextFieldIsInvalidTextBeforeItsLength) {
  for (const LengthCase& c : kLengthCases) {
    LeadInput in = GoodInput();
    in.*c.field = std::string("a\0b", 3) + Chars(c.limit);  // also over its limit
    EXPECT_EQ(Validate(in),
              Outcome("invalid_text", std::string(c.json_name) + " must not contain U+0000"));
  }
  LeadInput in = GoodInput();
  in.email = std::string("a\0@example.com", 14);
  EXPECT_EQ(Validate(in), Outcome("invalid_text", "email must not contain U+0000"));
}

TEST(ValidateLead, LimitsCountCodePointsNotBytes) {
  LeadInput in = GoodInput();
  in.reference_id = Chars(128, "\u4E2D");  // 384 bytes, 128 code points
  EXPECT_EQ(Validate(in), Outcome("ok", ""));
  in.reference_id = Chars(129, "\u4E2D");
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "referenceId exceeds 128 characters"));
}

TEST(ValidateLead, LimitConstantsMatchTheContract) {
  EXPECT_EQ(kMaxGroupIdChars, 128u);
  EXPECT_EQ(kMaxReferenceIdChars, 128u);
  EXPECT_EQ(kMaxNameChars, 256u);
  EXPECT_EQ(kMaxPhoneChars, 64u);
  EXPECT_EQ(kMaxEmailChars, 320u);
  EXPECT_EQ(kMaxMetadataBytes, 16384u);
  EXPECT_EQ(kMaxMetadataDepth, 8);
}

TEST(ValidateLead, PhoneOver64CharactersIsTooLong) {
  LeadInput in = GoodInput();
  // 64 characters: passes the length check, then parses as a valid number.
  in.phone = "+1" + std::string(50, ' ') + "415 555 2671";
  ASSERT_EQ(in.phone->size(), 64u);
  EXPECT_EQ(Validate(in), Outcome("ok", ""));
  in.phone = "+1" + std::string(51, ' ') + "415 555 2671";
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "phone exceeds 64 characters"));
}

TEST(ValidateLead, EmailOver320CharactersIsTooLong) {
  LeadInput in = GoodInput();
  in.email = Chars(320);  // not an address, but the length check passes
  EXPECT_EQ(Validate(in), Outcome("invalid_email", "Invalid email address"));
  in.email = Chars(321);
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "email exceeds 320 characters"));
}

TEST(ValidateLead, MissingContact) {
  LeadInput in = GoodInput();
  in.phone.reset();
  in.email.reset();
  EXPECT_EQ(Validate(in), Outcome("missing_contact", "Either phone or email is required"));
}

TEST(ValidateLead, MissingName) {
  LeadInput in = GoodInput();
  in.name.reset();
  in.last_name = "Doe";  // lastName alone is not a name
  EXPECT_EQ(Validate(in), Outcome("missing_name", "Either name or firstName is required"));
}

TEST(ValidateLead, RepeatingPhone) {
  for (const char* phone :
       {"9999999999", "+1 999-999-9999", "1212121212", "123123123", "(555) 555-5555"}) {
    LeadInput in = GoodInput();
    in.phone = phone;
    EXPECT_EQ(Validate(in),
              Outcome("phone_repeating_digits", "Phone number contains repeating digits pattern"))
        << phone;
  }
}

TEST(ValidateLead, InvalidPhone) {
  for (const char* phone : {"555-2671", "+9991234567", "1-800-FLOWERS", "n/a"}) {
    LeadInput in = GoodInput();
    in.phone = phone;
    EXPECT_EQ(Validate(in), Outcome("invalid_phone", "Invalid phone number")) << phone;
  }
}

TEST(ValidateLead, InvalidEmail) {
  for (const char* email : {"jane", "jane@localhost", "jane@@example.com", "jane doe@x.com"}) {
    LeadInput in = GoodInput();
    in.email = email;
    EXPECT_EQ(Validate(in), Outcome("invalid_email", "Invalid email address")) << email;
  }
}

TEST(ValidateLead, MetadataSizeLimit) {
  LeadInput in = GoodInput();
  in.metadata_json = MetadataOfSize(16384);
  in.metadata_depth = 1;
  ASSERT_EQ(in.metadata_json->size(), 16384u);
  EXPECT_EQ(Validate(in), Outcome("ok", ""));
  in.metadata_json = MetadataOfSize(16385);
  EXPECT_EQ(Validate(in), Outcome("metadata_too_large", "metadata exceeds 16384 bytes"));
}

TEST(ValidateLead, MetadataDepthLimit) {
  LeadInput in = GoodInput();
  in.metadata_json = R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}})";
  in.metadata_depth = 8;
  EXPECT_EQ(Validate(in), Outcome("ok", ""));
  in.metadata_json = R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{}}}}}}}}})";
  in.metadata_depth = 9;
  EXPECT_EQ(Validate(in), Outcome("metadata_too_large", "metadata nesting exceeds depth 8"));
}

// ---- Order: the first failing check in table order wins ----

TEST(ValidateLeadOrder, WrongTypeBeatsEverything) {
  LeadInput in;
  in.process_id = "proc-1";
  in.wrong_type_field = "phone";
  in.group_id = Chars(200);
  in.metadata_json = MetadataOfSize(20000);
  in.metadata_depth = 20;
  EXPECT_EQ(Validate(in), Outcome("invalid_type", "phone must be a string"));
}

TEST(ValidateLeadOrder, WrongTypeBeatsMissingContact) {
  LeadInput in = GoodInput();
  in.phone.reset();
  in.email.reset();
  in.wrong_type_field = "email";
  EXPECT_EQ(Validate(in), Outcome("invalid_type", "email must be a string"));
}

TEST(ValidateLeadOrder, TooLongBeatsMissingContactAndName) {
  LeadInput in;
  in.process_id = "proc-1";
  in.reference_id = Chars(129);
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "referenceId exceeds 128 characters"));
}

TEST(ValidateLeadOrder, LengthsAreCheckedInFieldTableOrder) {
  LeadInput in = GoodInput();
  in.reference_id = Chars(129);
  in.last_name = Chars(257);
  in.first_name = Chars(257);
  in.name = Chars(257);
  in.email = Chars(321);
  in.phone = Chars(65, "1");
  in.group_id = Chars(129);
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "groupId exceeds 128 characters"));
  in.group_id.reset();
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "phone exceeds 64 characters"));
  in.phone.reset();
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "email exceeds 320 characters"));
  in.email.reset();
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "name exceeds 256 characters"));
  in.name.reset();
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "firstName exceeds 256 characters"));
  in.first_name.reset();
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "lastName exceeds 256 characters"));
  in.last_name.reset();
  EXPECT_EQ(Validate(in), Outcome("field_too_long", "referenceId exceeds 128 characters"));
}

TEST(ValidateLeadOrder, MissingContactBeatsMissingName) {
  LeadInput in;
  in.process_id = "proc-1";
  EXPECT_EQ(Validate(in), Outcome("missing_contact", "Either phone or email is required"));
}

TEST(ValidateLeadOrder, MissingNameBeatsBadPhoneEmailAndMetadata) {
  LeadInput in = GoodInput();
  in.name.reset();
  in.phone = "9999999999";
  in.email = "not-an-email";
  in.metadata_json = MetadataOfSize(20000);
  EXPECT_EQ(Validate(in), Outcome("missing_name", "Either name or firstName is required"));
}

TEST(ValidateLeadOrder, RepeatingBeatsInvalid) {
  // 9999999999 is also not a valid US number: the pattern message wins.
  LeadInput in = GoodInput();
  in.phone = "9999999999";
  in.email = "bad";
  EXPECT_EQ(Validate(in),
            Outcome("phone_repeating_digits", "Phone number contains repeating digits pattern"));
}

TEST(ValidateLeadOrder, InvalidPhoneBeatsInvalidEmail) {
  LeadInput in = GoodInput();
  in.phone = "12345";
  in.email = "bad";
  EXPECT_EQ(Validate(in), Outcome("invalid_phone", "Invalid phone number"));
}

TEST(ValidateLeadOrder, InvalidEmailBeatsMetadata) {
  LeadInput in = GoodInput();
  in.email = "bad";
  in.metadata_json = MetadataOfSize(20000);
  in.metadata_depth = 9;
  EXPECT_EQ(Validate(in), Outcome("invalid_email", "Invalid email address"));
}

TEST(ValidateLeadOrder, MetadataSizeBeatsDepth) {
  LeadInput in = GoodInput();
  in.metadata_json = MetadataOfSize(16385);
  in.metadata_depth = 9;
  EXPECT_EQ(Validate(in), Outcome("metadata_too_large", "metadata exceeds 16384 bytes"));
}

}  // namespace
}  // namespace leadgate::core

#include "core/phone.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace leadgate::core {
namespace {

using Status = PhoneCheck::Status;

const PhoneNumbers& Phones() {
  static const PhoneNumbers phones;
  return phones;
}

PhoneCheck Valid(std::string e164) { return {Status::kValid, std::move(e164)}; }
const PhoneCheck kInvalid{Status::kInvalid, ""};
const PhoneCheck kRepeating{Status::kRepeatingDigits, ""};

struct Case {
  const char* raw;
  const char* region;
  PhoneCheck want;
};

void ExpectAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(Phones().Check(c.raw, c.region), c.want) << c.raw << " in " << c.region;
  }
}

TEST(IsRepeatingPattern, OneDigitRepeated) {
  EXPECT_TRUE(IsRepeatingPattern("9999999999"));
  EXPECT_TRUE(IsRepeatingPattern("5555555555"));
  EXPECT_TRUE(IsRepeatingPattern("00000000"));
  EXPECT_TRUE(IsRepeatingPattern("11"));
}

TEST(IsRepeatingPattern, BlocksOfTwoToFourRepeated) {
  EXPECT_TRUE(IsRepeatingPattern("1212121212"));
  EXPECT_TRUE(IsRepeatingPattern("123123123"));
  EXPECT_TRUE(IsRepeatingPattern("12341234"));
  EXPECT_TRUE(IsRepeatingPattern("1212"));
  EXPECT_TRUE(IsRepeatingPattern("123412341234"));
}

TEST(IsRepeatingPattern, BlockMustFillExactly) {
  EXPECT_FALSE(IsRepeatingPattern("121212121"));   // 9 digits, block 2
  EXPECT_FALSE(IsRepeatingPattern("1231231231"));  // 10 digits, block 3
  EXPECT_FALSE(IsRepeatingPattern("1234123412"));  // 10 digits, block 4
}

TEST(IsRepeatingPattern, LongerBlocksAndNormalNumbersAreNot) {
  EXPECT_FALSE(IsRepeatingPattern("1234512345"));  // block of 5
  EXPECT_FALSE(IsRepeatingPattern("4155552671"));
  EXPECT_FALSE(IsRepeatingPattern("2079460958"));
  EXPECT_FALSE(IsRepeatingPattern("9999999998"));
}

TEST(IsRepeatingPattern, NeedsAtLeastTwoBlocks) {
  EXPECT_FALSE(IsRepeatingPattern(""));
  EXPECT_FALSE(IsRepeatingPattern("5"));
  EXPECT_FALSE(IsRepeatingPattern("12"));
  EXPECT_FALSE(IsRepeatingPattern("123"));
  EXPECT_FALSE(IsRepeatingPattern("1234"));
}

TEST(IsRepeatingPattern, NonDigitsAreNot) {
  EXPECT_FALSE(IsRepeatingPattern("99-99-99"));
  EXPECT_FALSE(IsRepeatingPattern("aaaa"));
}

TEST(PhoneNumbers, UnitedStates) {
  ExpectAll({
      {"4155552671", "US", Valid("+14155552671")},
      {"+1 (415) 555-2671", "US", Valid("+14155552671")},
      {"(415) 555-2671", "US", Valid("+14155552671")},
      {"415.555.2671", "US", Valid("+14155552671")},
      {"415-555-2671", "US", Valid("+14155552671")},
      {"1 415 555 2671", "US", Valid("+14155552671")},
      {"+14155552671", "US", Valid("+14155552671")},
      {"+14155552671", "GB", Valid("+14155552671")},  // '+' ignores the region
      {"202-555-0143", "US", Valid("+12025550143")},
  });
}

TEST(PhoneNumbers, UnitedKingdom) {
  ExpectAll({
      {"020 7946 0958", "GB", Valid("+442079460958")},
      {"+44 20 7946 0958", "US", Valid("+442079460958")},
      {"07400 123456", "GB", Valid("+447400123456")},
      {"+44 (0)7400-123-456", "US", Valid("+447400123456")},
  });
}

TEST(PhoneNumbers, India) {
  ExpectAll({
      {"98765 43210", "IN", Valid("+919876543210")},
      {"09876543210", "IN", Valid("+919876543210")},
      {"+91 98765-43210", "US", Valid("+919876543210")},
  });
}

TEST(PhoneNumbers, Germany) {
  ExpectAll({
      {"030 901820", "DE", Valid("+4930901820")},
      {"+49 30 901820", "US", Valid("+4930901820")},
      {"01512 3456789", "DE", Valid("+4915123456789")},
      {"(030) 90.18.20", "DE", Valid("+4930901820")},
  });
}

TEST(PhoneNumbers, France) {
  ExpectAll({
      {"01 23 45 67 89", "FR", Valid("+33123456789")},
      {"06.12.34.56.78", "FR", Valid("+33612345678")},
      {"+33 6 12 34 56 78", "US", Valid("+33612345678")},
  });
}

TEST(PhoneNumbers, Brazil) {
  ExpectAll({
      {"(11) 91234-5678", "BR", Valid("+5511912345678")},
      {"+55 11 91234 5678", "US", Valid("+5511912345678")},
  });
}

TEST(PhoneNumbers, Australia) {
  ExpectAll({
      {"0412 345 678", "AU", Valid("+61412345678")},
      {"(02) 9876 5432", "AU", Valid("+61298765432")},
      {"+61 412 345 678", "US", Valid("+61412345678")},
  });
}

TEST(PhoneNumbers, InternationalPrefixIsTheRegionsOwn) {
  ExpectAll({
      {"0044 20 7946 0958", "GB", Valid("+442079460958")},
      {"0049 30 901820", "DE", Valid("+4930901820")},
      {"011 44 20 7946 0958", "US", Valid("+442079460958")},
      // "00" is not the US international prefix: read as a national number, which is invalid.
      {"0014155552671", "US", kInvalid},
  });
}

TEST(PhoneNumbers, RegionIsCaseInsensitive) {
  EXPECT_EQ(Phones().Check("4155552671", "us"), Valid("+14155552671"));
  EXPECT_EQ(Phones().Check("020 7946 0958", "gb"), Valid("+442079460958"));
}

TEST(PhoneNumbers, UnknownRegionNeedsAPlus) {
  ExpectAll({
      {"4155552671", "", kInvalid},
      {"4155552671", "ZZ", kInvalid},
      {"4155552671", "XX", kInvalid},
      {"+14155552671", "", Valid("+14155552671")},
  });
}

TEST(PhoneNumbers, FullwidthDigitsAreRead) {
  EXPECT_EQ(
      Phones().Check("\uFF0B\uFF11 \uFF14\uFF11\uFF15 \uFF15\uFF15\uFF15 \uFF12\uFF16\uFF17\uFF11",
                     "US"),
      Valid("+14155552671"));
}

TEST(PhoneNumbers, Invalid) {
  ExpectAll({
      {"555-2671", "US", kInvalid},        // too short
      {"415555267", "US", kInvalid},       // 9 digits
      {"41555526712345", "US", kInvalid},  // too long
      {"123 456 7890", "US", kInvalid},    // area code cannot start with 1
      {"020 7946 095", "GB", kInvalid},    // one digit short
      {"+9991234567", "US", kInvalid},     // no such country code
      {"+999 415 555 2671", "US", kInvalid},
      {"-", "US", kInvalid},
      {"()", "US", kInvalid},
      {"+", "US", kInvalid},
      {"", "US", kInvalid},
  });
}

TEST(PhoneNumbers, LettersAreInvalid) {
  ExpectAll({
      {"1-800-FLOWERS", "US", kInvalid},  // vanity: rejected by design
      {"n/a", "US", kInvalid},
      {"+14155552671x", "US", kInvalid},
      {"tel:+1-415-555-2671", "US", kInvalid},
      {"+1 415 555 2671 ext. 12", "US", kInvalid},
  });
}

TEST(PhoneNumbers, ExtensionsAreInvalid) {
  ExpectAll({
      {"+1 415 555 2671 #12", "US", kInvalid},
      {"415 555 2671;ext=3", "US", kInvalid},
  });
}

TEST(PhoneNumbers, RepeatingPatterns) {
  ExpectAll({
      {"9999999999", "US", kRepeating},
      {"+1 999-999-9999", "US", kRepeating},
      {"1 999 999 9999", "US", kRepeating},  // national prefix dropped
      {"+1 999-999-9999", "GB", kRepeating},
      {"1212121212", "US", kRepeating},
      {"123123123", "US", kRepeating},
      {"12341234", "US", kRepeating},
      {"(555) 555-5555", "US", kRepeating},
      {"07777 777777", "GB", kRepeating},  // trunk prefix 0 dropped: 7777777777
      {"+44 7777 777777", "US", kRepeating},
      {"0000000000", "US", kRepeating},
  });
}

TEST(PhoneNumbers, RepeatingIsJudgedBeforeValidity) {
  // 9999999999 does not parse as a valid US number, yet the message is about the pattern.
  EXPECT_EQ(Phones().Check("999.999.9999", "US"), kRepeating);
  // Unparseable input (bad country code): all its digits are judged, country code included.
  EXPECT_EQ(Phones().Check("+999 999 999 999", "US"), kRepeating);
  // Letters skip parsing, so the digits typed are what count.
  EXPECT_EQ(Phones().Check("999-999-9999 ext", "US"), kRepeating);
}

TEST(PhoneNumbers, CheckIsSafeFromManyThreads) {
  const PhoneNumbers phones;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (phones.Check("+1 (415) 555-2671", "US") != Valid("+14155552671")) ++mismatches[t];
        if (phones.Check("020 7946 0958", "GB") != Valid("+442079460958")) ++mismatches[t];
        if (phones.Check("9999999999", "US") != kRepeating) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace leadgate::core

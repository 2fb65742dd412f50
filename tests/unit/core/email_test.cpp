#include "core/email.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace leadgate::core {
namespace {

std::string Repeat(char c, std::size_t n) { return std::string(n, c); }

TEST(NormalizeEmail, AcceptsPlainAddressUnchanged) {
  EXPECT_EQ(NormalizeEmail("jane@example.com"), "jane@example.com");
}

TEST(NormalizeEmail, LowerCasesAscii) {
  EXPECT_EQ(NormalizeEmail("Jane.Doe+CRM@Example.CO.UK"), "jane.doe+crm@example.co.uk");
}

TEST(NormalizeEmail, AcceptsCommonLocalPartCharacters) {
  EXPECT_EQ(NormalizeEmail("o'brien_j-1!#$%&*/=?^`{|}~@mail.example.org"),
            "o'brien_j-1!#$%&*/=?^`{|}~@mail.example.org");
  EXPECT_EQ(NormalizeEmail("user@sub-domain.example-1.io"), "user@sub-domain.example-1.io");
  EXPECT_EQ(NormalizeEmail("a@b.cd"), "a@b.cd");
}

TEST(NormalizeEmail, AcceptsInternationalisedAddressesWithoutFoldingThem) {
  EXPECT_EQ(NormalizeEmail("J\u00DCRGEN@M\u00DCller.DE"), "j\u00DCrgen@m\u00DCller.de");
  EXPECT_EQ(NormalizeEmail("\u7528\u6237@\u4F8B\u5B50.\u4E2D\u56FD"),
            "\u7528\u6237@\u4F8B\u5B50.\u4E2D\u56FD");
  EXPECT_EQ(NormalizeEmail("ivan@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444"),
            "ivan@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444");
  EXPECT_EQ(NormalizeEmail("ivan@xn--e1afmkfd.XN--P1AI"), "ivan@xn--e1afmkfd.xn--p1ai");
}

TEST(NormalizeEmail, RejectsWrongNumberOfAts) {
  EXPECT_EQ(NormalizeEmail("jane.example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@doe@example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("@"), std::nullopt);
  EXPECT_EQ(NormalizeEmail(""), std::nullopt);
}

TEST(NormalizeEmail, RejectsEmptyLocalOrDomain) {
  EXPECT_EQ(NormalizeEmail("@example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@"), std::nullopt);
}

TEST(NormalizeEmail, RejectsSpacesAndControlCharacters) {
  EXPECT_EQ(NormalizeEmail("jane doe@example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane\t@example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail(std::string("ja\0ne@example.com", 17)), std::nullopt);
  EXPECT_EQ(NormalizeEmail("ja\x7Fne@example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane\u00A0doe@example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@exam\u3000ple.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@example .com"), std::nullopt);
}

TEST(NormalizeEmail, RequiresAtLeastTwoLabels) {
  EXPECT_EQ(NormalizeEmail("jane@localhost"), std::nullopt);
}

TEST(NormalizeEmail, RejectsBadLabels) {
  EXPECT_EQ(NormalizeEmail("jane@example..com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@.example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@example.com."), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@-example.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@example-.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@exa_mple.com"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@[192.168.0.1]"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@example.com>"), std::nullopt);
}

TEST(NormalizeEmail, TldMustBeTwoOrMoreLetters) {
  EXPECT_EQ(NormalizeEmail("jane@example.c"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@example.c0m"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@192.168.0.1"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@example.co-uk"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("jane@example.\u00E9"), std::nullopt);  // one code point
  EXPECT_EQ(NormalizeEmail("jane@example.\u00E9\u00E9"), "jane@example.\u00E9\u00E9");
}

TEST(NormalizeEmail, LocalPartLengthLimitIs64Octets) {
  EXPECT_EQ(NormalizeEmail(Repeat('a', 64) + "@example.com"), Repeat('a', 64) + "@example.com");
  EXPECT_EQ(NormalizeEmail(Repeat('a', 65) + "@example.com"), std::nullopt);
  // 32 two-byte characters are 64 octets; 33 are 66.
  std::string local32;
  for (int i = 0; i < 32; ++i) local32 += "\u00E9";
  EXPECT_EQ(NormalizeEmail(local32 + "@example.com"), local32 + "@example.com");
  EXPECT_EQ(NormalizeEmail(local32 + "\u00E9@example.com"), std::nullopt);
}

TEST(NormalizeEmail, LabelLengthLimitIs63Octets) {
  EXPECT_EQ(NormalizeEmail("a@" + Repeat('b', 63) + ".com"), "a@" + Repeat('b', 63) + ".com");
  EXPECT_EQ(NormalizeEmail("a@" + Repeat('b', 64) + ".com"), std::nullopt);
}

TEST(NormalizeEmail, WholeAddressLimitIs254Octets) {
  // local (64) + '@' + 3 labels of 61 + ".com" with dots: 64 + 1 + 61*3 + 2 + 4 = 254.
  const std::string domain =
      Repeat('b', 61) + "." + Repeat('c', 61) + "." + Repeat('d', 61) + ".com";
  const std::string at_limit = Repeat('a', 64) + "@" + domain;
  ASSERT_EQ(at_limit.size(), 254u);
  EXPECT_EQ(NormalizeEmail(at_limit), at_limit);
  const std::string over = Repeat('a', 64) + "@e" + domain;
  ASSERT_EQ(over.size(), 255u);
  EXPECT_EQ(NormalizeEmail(over), std::nullopt);
}

}  // namespace
}  // namespace leadgate::core

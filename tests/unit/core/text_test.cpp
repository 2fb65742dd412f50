#include "core/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace leadgate::core {
namespace {

TEST(TrimSpace, TrimsAsciiWhiteSpaceAtBothEnds) {
  EXPECT_EQ(TrimSpace("  Jane Doe \t\r\n\v\f"), "Jane Doe");
  EXPECT_EQ(TrimSpace("Jane"), "Jane");
}

TEST(TrimSpace, KeepsInnerWhiteSpace) { EXPECT_EQ(TrimSpace(" a \u00A0 b "), "a \u00A0 b"); }

TEST(TrimSpace, AllWhiteSpaceAndEmptyGiveEmpty) {
  EXPECT_EQ(TrimSpace(""), "");
  EXPECT_EQ(TrimSpace(" \t "), "");
  EXPECT_EQ(TrimSpace("\u00A0\u3000\uFEFF"), "");
}

TEST(TrimSpace, TrimsEachUnicodeSpace) {
  const char* spaces[] = {"\u0085", "\u00A0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003",
                          "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200A",
                          "\u200B", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\uFEFF"};
  for (const char* space : spaces) {
    const std::string s = std::string(space) + "x" + space;
    EXPECT_EQ(TrimSpace(s), "x") << "U+ encoded as " << s.size() - 1 << " bytes";
  }
}

TEST(TrimSpace, TrimsMixedRuns) {
  EXPECT_EQ(TrimSpace("\uFEFF \u00A0crm-42\u200B\t\u3000"), "crm-42");
}

TEST(TrimSpace, LeavesOtherNonAsciiAlone) {
  // U+00E9 and U+4E2D share no encoding prefix with any space.
  EXPECT_EQ(TrimSpace("\u00E9t\u00E9"), "\u00E9t\u00E9");
  EXPECT_EQ(TrimSpace(" \u4E2D\u6587 "), "\u4E2D\u6587");
  // U+200C (zero width non-joiner) and U+2060 (word joiner) are not trimmed.
  EXPECT_EQ(TrimSpace("\u200Cx\u2060"), "\u200Cx\u2060");
}

TEST(TrimSpace, ReturnsViewIntoInput) {
  const std::string s = "  abc  ";
  const std::string_view v = TrimSpace(s);
  EXPECT_EQ(v.data(), s.data() + 2);
  EXPECT_EQ(v.size(), 3u);
}

TEST(FindSpace, FindsFirstAsciiOrUnicodeSpace) {
  EXPECT_EQ(FindSpace("Jane Doe"), 4u);
  EXPECT_EQ(FindSpace("Jane\tDoe"), 4u);
  EXPECT_EQ(FindSpace("Jane\u00A0Doe Smith"), 4u);
  EXPECT_EQ(FindSpace("\u00E9l\u00E9a\u3000X"), 6u);
  EXPECT_EQ(FindSpace("Jane"), std::string_view::npos);
  EXPECT_EQ(FindSpace(""), std::string_view::npos);
}

TEST(CountCodePoints, CountsUtf8CodePoints) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("\u00E9"), 1u);        // 2 bytes
  EXPECT_EQ(CountCodePoints("\u4E2D\u6587"), 2u);  // 3 bytes each
  EXPECT_EQ(CountCodePoints("\U0001F600a"), 2u);   // 4 bytes + 1
  EXPECT_EQ(CountCodePoints("Jos\u00E9 M\u00FCller"), 11u);
}

TEST(AsciiLower, LowersAsciiOnly) {
  EXPECT_EQ(AsciiLower("Jane.DOE@Example.COM"), "jane.doe@example.com");
  EXPECT_EQ(AsciiLower("\u00C9MILE@X.FR"), "\u00C9mile@x.fr");
  EXPECT_EQ(AsciiLower("09_-@[]"), "09_-@[]");
  EXPECT_EQ(AsciiLower(""), "");
}

}  // namespace
}  // namespace leadgate::core

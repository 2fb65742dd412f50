#include "core/name.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace leadgate::core {
namespace {

constexpr std::nullopt_t kNone = std::nullopt;
using Opt = std::optional<std::string>;

TEST(NormalizeName, NameAloneIsSplitAtFirstSpace) {
  EXPECT_EQ(NormalizeName("Jane Doe", kNone, kNone), (NameParts{"Jane Doe", "Jane", "Doe"}));
}

TEST(NormalizeName, RestOfNameIsTheLastName) {
  EXPECT_EQ(NormalizeName("Mary Ann van der Berg", kNone, kNone),
            (NameParts{"Mary Ann van der Berg", "Mary", "Ann van der Berg"}));
}

TEST(NormalizeName, RepeatedSpacesCollapseAtTheSplit) {
  EXPECT_EQ(NormalizeName("Jane  Doe", kNone, kNone), (NameParts{"Jane  Doe", "Jane", "Doe"}));
  EXPECT_EQ(NormalizeName("Jane \u00A0\tDoe", kNone, kNone),
            (NameParts{"Jane \u00A0\tDoe", "Jane", "Doe"}));
}

TEST(NormalizeName, UnicodeSpaceSplits) {
  EXPECT_EQ(NormalizeName("Jos\u00E9\u00A0Garc\u00EDa", kNone, kNone),
            (NameParts{"Jos\u00E9\u00A0Garc\u00EDa", "Jos\u00E9", "Garc\u00EDa"}));
}

TEST(NormalizeName, OneWordNameGivesOnlyFirstName) {
  EXPECT_EQ(NormalizeName("Cher", kNone, kNone), (NameParts{"Cher", "Cher", kNone}));
}

TEST(NormalizeName, NameWithExplicitLastNameKeepsTheLastName) {
  EXPECT_EQ(NormalizeName("Jane Doe", kNone, "Smith"), (NameParts{"Jane Doe", "Jane", "Smith"}));
  EXPECT_EQ(NormalizeName("Jane", kNone, "Doe"), (NameParts{"Jane", "Jane", "Doe"}));
}

TEST(NormalizeName, FirstNameAloneGivesName) {
  EXPECT_EQ(NormalizeName(kNone, "Jane", kNone), (NameParts{"Jane", "Jane", kNone}));
}

TEST(NormalizeName, FirstAndLastGiveJoinedName) {
  EXPECT_EQ(NormalizeName(kNone, "Jane", "Doe"), (NameParts{"Jane Doe", "Jane", "Doe"}));
}

TEST(NormalizeName, BothGivenAreKeptAsGiven) {
  EXPECT_EQ(NormalizeName("Dr. J. Doe", "Jane", Opt{}), (NameParts{"Dr. J. Doe", "Jane", kNone}));
  EXPECT_EQ(NormalizeName("Dr. J. Doe", "Jane", "Doe-Smith"),
            (NameParts{"Dr. J. Doe", "Jane", "Doe-Smith"}));
}

TEST(NormalizeName, BrokenPreconditionDoesNotCrash) {
  EXPECT_EQ(NormalizeName(kNone, kNone, "Doe"), (NameParts{"Doe", kNone, "Doe"}));
  EXPECT_EQ(NormalizeName(kNone, kNone, kNone), (NameParts{"", kNone, kNone}));
}

}  // namespace
}  // namespace leadgate::core

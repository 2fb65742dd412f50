#include "import/csv_reader.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace leadgate::import {
namespace {

std::vector<CsvRow> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<CsvRow> rows;
  while (auto row = reader.Next()) rows.push_back(*row);
  return rows;
}

using Fields = std::vector<std::string>;

TEST(CsvReader, PlainRecordsWithLfCrlfAndNoFinalNewline) {
  const auto rows = ReadAll("name,phone\nJane,+14155552671\r\nJohn,\n,x");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].fields, (Fields{"name", "phone"}));
  EXPECT_EQ(rows[1].fields, (Fields{"Jane", "+14155552671"}));
  EXPECT_EQ(rows[2].fields, (Fields{"John", ""}));
  EXPECT_EQ(rows[3].fields, (Fields{"", "x"}));
  EXPECT_EQ(rows[3].line, 4u);
  for (const auto& r : rows) EXPECT_EQ(r.error, "");
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndNewlines) {
  const auto rows = ReadAll("\"Doe, Jane\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nnext,row\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"Doe, Jane", "say \"hi\"", "two\r\nlines"}));
  EXPECT_EQ(rows[1].fields, (Fields{"next", "row"}));
  EXPECT_EQ(rows[1].line, 3u);  // the quoted line break counts
}

TEST(CsvReader, BomAndEmptyLinesAreSkipped) {
  const auto rows = ReadAll("\xEF\xBB\xBFname\r\n\r\n\nJane\n\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"name"}));
  EXPECT_EQ(rows[1].fields, (Fields{"Jane"}));
  EXPECT_EQ(rows[1].line, 4u);
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("\n\r\n").empty());
}

TEST(CsvReader, UnicodeIsPassedThrough) {
  const auto rows = ReadAll("Zoë,\"Ångström, Søren\"\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"Zoë", "Ångström, Søren"}));
}

TEST(CsvReader, MalformedRecordsAreReportedAndReadingGoesOn) {
  const auto rows = ReadAll("a,\"b\"x,c\nok,1\nbad\"quote,2\nok,3\n\"never closed,4\nlost\n");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].error, "unexpected text after a closing quote");
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[1].fields, (Fields{"ok", "1"}));
  EXPECT_EQ(rows[2].error, "quote inside an unquoted field");
  EXPECT_EQ(rows[2].line, 3u);
  EXPECT_EQ(rows[3].fields, (Fields{"ok", "3"}));
  EXPECT_EQ(rows[4].error, "unterminated quoted field");
  EXPECT_EQ(rows[4].line, 5u);
}

}  // namespace
}  // namespace leadgate::import

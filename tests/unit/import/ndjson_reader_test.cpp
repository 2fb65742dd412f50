#include "import/ndjson_reader.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "import/record_source.hpp"

namespace leadgate::import {
namespace {

std::vector<Record> ReadAll(const std::string& text) {
  std::istringstream in(text);
  NdjsonReader reader(in);
  std::vector<Record> out;
  while (auto r = reader.Next()) out.push_back(*r);
  return out;
}

TEST(NdjsonReader, ObjectsPerLineWithBomCrlfAndBlankLines) {
  const auto rows = ReadAll(
      "\xEF\xBB\xBF{\"phone\":\"+14155552671\",\"age\":42,\"vip\":true,\"tags\":[1, 2],\"x\":null}"
      "\r\n\n   \n{\"name\":\"J\\u00e9\"}");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].row, 1u);
  EXPECT_EQ(rows[0].line, 1u);
  ASSERT_EQ(rows[0].fields.size(), 4u);  // null dropped
  EXPECT_EQ(rows[0].fields[0].name, "phone");
  EXPECT_EQ(rows[0].fields[0].value, "+14155552671");
  EXPECT_FALSE(rows[0].fields[0].raw_json);
  EXPECT_EQ(rows[0].fields[1].value, "42");
  EXPECT_TRUE(rows[0].fields[1].raw_json);
  EXPECT_EQ(rows[0].fields[2].value, "true");
  EXPECT_EQ(rows[0].fields[3].value, "[1,2]");
  EXPECT_EQ(rows[1].row, 2u);
  EXPECT_EQ(rows[1].line, 4u);
  EXPECT_EQ(rows[1].fields[0].value, "J\xC3\xA9");
}

TEST(NdjsonReader, BadLinesAreReportedAndReadingGoesOn) {
  const auto rows = ReadAll("{\"a\":\"1\"}\n{oops\n[1,2]\n{\"b\":\"2\"}\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].error, "");
  EXPECT_EQ(rows[1].error, "not valid JSON");
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_EQ(rows[2].error, "not a JSON object");
  EXPECT_EQ(rows[3].error, "");
  EXPECT_EQ(rows[3].row, 4u);
}

TEST(RecordSource, CsvRowsAreNamedByTheHeader) {
  std::istringstream in(
      "\xEF\xBB\xBFphone,name,note\r\n+14155552671,\"Doe, Jane\",\"two\nlines\"\r\n"
      "\r\n+14155552672,John\r\n1,2,3,4\r\n\"bad\"x,y\r\n");
  auto source = OpenRecordSource(InputFormat::kCsv, in);
  ASSERT_TRUE(source.has_value());
  std::vector<Record> rows;
  while (auto r = (*source)->Next()) rows.push_back(*r);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].row, 1u);
  EXPECT_EQ(rows[0].line, 2u);
  ASSERT_EQ(rows[0].fields.size(), 3u);
  EXPECT_EQ(rows[0].fields[1].name, "name");
  EXPECT_EQ(rows[0].fields[1].value, "Doe, Jane");
  EXPECT_EQ(rows[0].fields[2].value, "two\nlines");
  EXPECT_EQ(rows[1].row, 2u);
  EXPECT_EQ(rows[1].line, 5u);
  EXPECT_EQ(rows[1].fields.size(), 2u);  // fewer fields: the rest are absent
  EXPECT_EQ(rows[2].error, "row has 4 fields; the header has 3");
  EXPECT_FALSE(rows[3].error.empty());
  EXPECT_EQ(rows[3].row, 4u);
}

TEST(RecordSource, CsvHeaderProblemsAreErrors) {
  for (const std::string text : {"", "a,,b\n", "a,a\n", "\"a\n"}) {
    std::istringstream in(text);
    EXPECT_FALSE(OpenRecordSource(InputFormat::kCsv, in).has_value()) << text;
  }
}

TEST(RecordSource, GuessFormat) {
  EXPECT_EQ(GuessFormat("leads.csv"), InputFormat::kCsv);
  EXPECT_EQ(GuessFormat("-"), InputFormat::kCsv);
  EXPECT_EQ(GuessFormat("leads.NDJSON"), InputFormat::kNdjson);
  EXPECT_EQ(GuessFormat("leads.jsonl"), InputFormat::kNdjson);
}

}  // namespace
}  // namespace leadgate::import

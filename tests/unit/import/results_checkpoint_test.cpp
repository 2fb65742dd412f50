#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "import/checkpoint.hpp"
#include "import/results_writer.hpp"
#include "support/test_util.hpp"

namespace leadgate::import {
namespace {

TEST(ResultsWriter, OneCsvLinePerRowQuotedWhenNeeded) {
  std::ostringstream out;
  ResultsWriter writer(out);
  writer.Write({RowResult{1, 2, RowStatus::kCreated, "abc", "", ""},
                RowResult{2, 3, RowStatus::kInvalid, "", "invalid_email", "Bad, \"very\"\nbad"},
                RowResult{3, 5, RowStatus::kFailed, "", "http_500", "HTTP 500"},
                RowResult{4, 6, RowStatus::kDuplicate, "e", "duplicate_email", "x"},
                RowResult{5, 7, RowStatus::kValid, "v", "", ""}});
  EXPECT_EQ(out.str(),
            "row,line,status,leadId,code,message\n"
            "1,2,created,abc,,\n"
            "2,3,invalid,,invalid_email,\"Bad, \"\"very\"\"\nbad\"\n"
            "3,5,failed,,http_500,HTTP 500\n"
            "4,6,duplicate,e,duplicate_email,x\n"
            "5,7,valid,v,,\n");
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Checkpoint, RoundTripAndTornLastLine) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "out.csv.checkpoint").string();
  auto empty = LoadCheckpoint(path);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  const std::vector<RowResult> a = {
      RowResult{1, 2, RowStatus::kCreated, "id1", "", ""},
      RowResult{2, 3, RowStatus::kDuplicate, "id0", "duplicate_phone", "Lead \"x\"\n"}};
  const std::vector<RowResult> b = {RowResult{3, 4, RowStatus::kInvalid, "", "c", "m"}};
  {
    auto writer = CheckpointWriter::Open(path);
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE(writer->Append("k1", a).has_value());
    ASSERT_TRUE(writer->Append("k2", b).has_value());
  }
  auto loaded = LoadCheckpoint(path);
  ASSERT_TRUE(loaded.has_value());
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ(loaded->at("k1"), a);
  EXPECT_EQ(loaded->at("k2"), b);

  // A crash in the middle of a write leaves a torn line: ignored, then cut before appending.
  const std::string full = ReadFile(path);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << FormatCheckpointLine("k3", b).substr(0, 10);
  }
  loaded = LoadCheckpoint(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->size(), 2u);
  {
    auto writer = CheckpointWriter::Open(path);
    ASSERT_TRUE(writer.has_value());
    EXPECT_EQ(ReadFile(path), full);
    ASSERT_TRUE(writer->Append("k4", b).has_value());
  }
  EXPECT_EQ(ReadFile(path), full + FormatCheckpointLine("k4", b));
  loaded = LoadCheckpoint(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->size(), 3u);
  EXPECT_EQ(loaded->count("k4"), 1u);

  // A garbled complete line is skipped, the others still load.
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << "{\"k\":\"k5\",\"r\":[[1,2,\"bogus\",\"\",\"\",\"\"]]}\nnot json\n";
  }
  loaded = LoadCheckpoint(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->size(), 3u);
}

}  // namespace
}  // namespace leadgate::import

#include "import/chunker.hpp"

#include <gtest/gtest.h>

namespace leadgate::import {
namespace {

Record PhoneRow(std::size_t row, std::string phone) {
  Record r;
  r.row = row;
  r.line = row + 1;
  r.fields.push_back(Field{"phone", std::move(phone), false});
  return r;
}

std::vector<Chunk> Cut(const std::vector<Record>& records, ChunkOptions options) {
  const LeadEncoder encoder(*ColumnMap::Create({}), "p", "q", "", nullptr);
  Chunker chunker(encoder, std::move(options));
  std::vector<Chunk> chunks;
  for (const auto& r : records) {
    if (auto c = chunker.Add(r)) chunks.push_back(std::move(*c));
  }
  if (auto c = chunker.Finish()) chunks.push_back(std::move(*c));
  return chunks;
}

TEST(Chunker, BatchesOfAtMostBatchLeadsWithLocalFailuresInBetween) {
  std::vector<Record> records;
  for (std::size_t i = 1; i <= 7; ++i)
    records.push_back(PhoneRow(i, i == 3 ? "" : "+1" + std::to_string(i)));
  ChunkOptions options;
  options.batch = 2;
  const auto chunks = Cut(records, options);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].index, 0u);
  ASSERT_EQ(chunks[0].sent.size(), 2u);
  EXPECT_EQ(chunks[0].sent[1].row, 2u);
  EXPECT_EQ(chunks[0].body, R"({"leads":[{"projectId":"p","processId":"q","phone":"+11"},)"
                            R"({"projectId":"p","processId":"q","phone":"+12"}],"init":true})");
  // Row 3 failed locally: it belongs to the next chunk, which still sends two leads.
  ASSERT_EQ(chunks[1].local.size(), 1u);
  EXPECT_EQ(chunks[1].local[0], (RowResult{3, 4, RowStatus::kInvalid, "", "missing_contact",
                                           "Either phone or email is required"}));
  EXPECT_EQ(chunks[1].sent.size(), 2u);
  EXPECT_EQ(chunks[1].sent[0].row, 4u);
  EXPECT_EQ(chunks[2].index, 2u);
  EXPECT_EQ(chunks[2].sent.size(), 2u);
  EXPECT_EQ(chunks[2].sent[1].row, 7u);
  for (const auto& c : chunks) EXPECT_EQ(c.key.size(), 4u + 64u);
}

TEST(Chunker, KeysAreStableAndDependOnIndexBodyAndTarget) {
  std::vector<Record> records;
  for (std::size_t i = 1; i <= 4; ++i)
    records.push_back(PhoneRow(i, "+1415555000" + std::to_string(i)));
  ChunkOptions options;
  options.batch = 2;
  const auto a = Cut(records, options);
  const auto b = Cut(records, options);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].key, b[0].key);
  EXPECT_EQ(a[1].key, b[1].key);
  EXPECT_NE(a[0].key, a[1].key);
  EXPECT_EQ(a[0].key,
            "lgi-" + Sha256Hex("leadgate-import/1\n/api/v1/leads/bulk/initiate\n0\n" + a[0].body));
  ChunkOptions dry = options;
  dry.target = "/api/v1/leads/bulk/initiate?dryRun=true";
  EXPECT_NE(Cut(records, dry)[0].key, a[0].key);
  ChunkOptions no_init = options;
  no_init.init = false;
  const auto c = Cut(records, no_init);
  EXPECT_TRUE(c[0].body.ends_with("],\"init\":false}"));
  EXPECT_NE(c[0].key, a[0].key);
}

TEST(Chunker, OnlyLocalFailuresMakeAChunkWithNothingToSend) {
  const auto chunks = Cut({PhoneRow(1, ""), PhoneRow(2, "")}, ChunkOptions{});
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_TRUE(chunks[0].sent.empty());
  EXPECT_TRUE(chunks[0].body.empty());
  EXPECT_TRUE(chunks[0].key.empty());
  EXPECT_EQ(chunks[0].local.size(), 2u);
  EXPECT_TRUE(Cut({}, ChunkOptions{}).empty());
}

TEST(Chunker, BodyCapClosesAChunkEarly) {
  std::vector<Record> records;
  for (std::size_t i = 1; i <= 5; ++i) records.push_back(PhoneRow(i, std::string(100, '1')));
  ChunkOptions options;
  options.max_body_bytes = 250;  // two leads of ~150 bytes pass it
  const auto chunks = Cut(records, options);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].sent.size(), 2u);
  EXPECT_EQ(chunks[2].sent.size(), 1u);
}

TEST(Chunker, MergeResultsInRowOrder) {
  Chunk chunk;
  chunk.local = {RowResult{2, 2, RowStatus::kInvalid, "", "c", "m"}};
  chunk.sent = {{1, 1}, {3, 3}};
  const auto merged = MergeResults(chunk, {RowResult{1, 1, RowStatus::kCreated, "a", "", ""},
                                           RowResult{3, 3, RowStatus::kCreated, "b", "", ""}});
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].row, 1u);
  EXPECT_EQ(merged[1].row, 2u);
  EXPECT_EQ(merged[2].row, 3u);
}

}  // namespace
}  // namespace leadgate::import

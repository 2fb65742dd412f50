#include "import/chunker.hpp"

#include <openssl/sha.h>

#include <algorithm>

namespace leadgate::import {

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::vector<RowResult> MergeResults(const Chunk& chunk, std::vector<RowResult> sent_results) {
  std::vector<RowResult> all;
  all.reserve(chunk.local.size() + sent_results.size());
  std::merge(std::make_move_iterator(sent_results.begin()),
             std::make_move_iterator(sent_results.end()), chunk.local.begin(), chunk.local.end(),
             std::back_inserter(all),
             [](const RowResult& a, const RowResult& b) { return a.row < b.row; });
  return all;
}

Chunker::Chunker(const LeadEncoder& encoder, ChunkOptions options)
    : encoder_(encoder), options_(std::move(options)) {
  options_.batch = std::max<std::size_t>(options_.batch, 1);
  suffix_ = options_.init ? "],\"init\":true}" : "],\"init\":false}";
}

std::optional<Chunk> Chunker::Add(const Record& record) {
  const std::size_t before = current_.body.size();
  if (current_.body.empty()) {
    current_.body = "{\"leads\":[";
  } else if (!current_.sent.empty()) {
    current_.body += ',';
  }
  if (auto failure = encoder_.Append(record, current_.body)) {
    current_.body.resize(before);
    current_.local.push_back(RowResult{record.row, record.line, RowStatus::kInvalid, "",
                                       failure->code, failure->message});
    return std::nullopt;
  }
  current_.sent.push_back(SentRow{record.row, record.line});
  if (current_.sent.size() >= options_.batch || current_.body.size() >= options_.max_body_bytes) {
    return Close();
  }
  return std::nullopt;
}

std::optional<Chunk> Chunker::Finish() {
  if (current_.sent.empty() && current_.local.empty()) return std::nullopt;
  return Close();
}

Chunk Chunker::Close() {
  Chunk chunk = std::move(current_);
  current_ = Chunk{};
  chunk.index = next_index_++;
  if (chunk.sent.empty()) {
    chunk.body.clear();
  } else {
    chunk.body += suffix_;
    chunk.key = "lgi-" + Sha256Hex("leadgate-import/1\n" + options_.target + "\n" +
                                   std::to_string(chunk.index) + "\n" + chunk.body);
  }
  return chunk;
}

}  // namespace leadgate::import

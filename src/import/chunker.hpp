// File: chunker.hpp
//
// Cuts the stream of records into the bulk requests of `leadgate import`, and names each one
// with its Idempotency-Key.
//
// A chunk holds up to `batch` leads to send (and at most `max_body_bytes` of body, so a file of
// large rows never trips the server's body limit), plus the rows between them that failed
// locally (answered here as `invalid`, never sent). Chunks are numbered from 0 and cover
// consecutive rows, so the results can be written in input order chunk by chunk.
//
// The cut depends only on the input and the options, and the key is
//   "lgi-" + hex(SHA-256("leadgate-import/1\n" + target + "\n" + index + "\n" + body))
// where `target` is the request path and query (dry runs and real runs never share a key) and
// the body carries project, process and init: a resumed run (same file, same flags) derives
// the same chunks and keys, a retry of a chunk can never create a lead twice, and a changed
// chunk gets a new key.
//
//   Chunker chunker(encoder, {.batch = 1000, .init = true});
//   while (auto record = source.Next()) if (auto chunk = chunker.Add(*record)) Send(*chunk);
//   if (auto chunk = chunker.Finish()) Send(*chunk);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "import/column_map.hpp"
#include "import/record.hpp"

namespace leadgate::import {

struct ChunkOptions {
  std::size_t batch = 1000;                      // leads per request, >= 1
  std::size_t max_body_bytes = 4 * 1024 * 1024;  // a chunk is closed once its body passes this
  bool init = true;
  std::string target = "/api/v1/leads/bulk/initiate";  // path and query, for the key
};

struct SentRow {
  std::size_t row = 0;
  std::size_t line = 0;
};

struct Chunk {
  std::size_t index = 0;
  std::vector<SentRow> sent;     // the rows of `body`'s leads, in order
  std::vector<RowResult> local;  // rows answered locally (invalid), in order
  std::string body;              // empty when `sent` is empty (nothing to send)
  std::string key;               // Idempotency-Key; empty when nothing to send
};

// Merges a chunk's local results with the results of its sent rows (in `sent` order) into row
// order.
std::vector<RowResult> MergeResults(const Chunk& chunk, std::vector<RowResult> sent_results);

class Chunker {
 public:
  Chunker(const LeadEncoder& encoder, ChunkOptions options);

  // Adds a record; returns a chunk when this one filled it.
  std::optional<Chunk> Add(const Record& record);
  // The last, partial chunk (nullopt when nothing is pending).
  std::optional<Chunk> Finish();

 private:
  Chunk Close();

  const LeadEncoder& encoder_;
  ChunkOptions options_;
  std::string suffix_;  // ],"init":true}
  Chunk current_;
  std::size_t next_index_ = 0;
};

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace leadgate::import

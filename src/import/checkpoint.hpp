// File: checkpoint.hpp
//
// The checkpoint of `leadgate import` (next to the results file, `<out>.checkpoint`): an
// append-only file with one line per answered chunk, its Idempotency-Key and the results of its
// sent rows:
//
//   {"k":"lgi-...","r":[[row,line,"created","<leadId>","",""],...]}
//
// Each line is written whole and fdatasync'd before the chunk counts as answered, so after
// Ctrl-C, a crash or a power loss a re-run finds every chunk whose answer it had recorded and
// does not send it again (an answer lost in between is replayed by the server from the
// Idempotency-Key). A torn last line (no '\n', or not valid) is ignored on load and cut off
// when the file is opened for appending.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "import/record.hpp"

namespace leadgate::import {

using CheckpointMap = std::unordered_map<std::string, std::vector<RowResult>>;

// The answered chunks recorded in `path` (empty when the file does not exist). Lines that do
// not parse are skipped. kUnavailable when the file exists but cannot be read.
core::Result<CheckpointMap> LoadCheckpoint(const std::string& path);

// One checkpoint line (with its '\n').
std::string FormatCheckpointLine(const std::string& key, const std::vector<RowResult>& rows);

class CheckpointWriter {
 public:
  // Opens (creates) `path` for appending, first cutting a torn last line.
  static core::Result<CheckpointWriter> Open(const std::string& path);
  CheckpointWriter(CheckpointWriter&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  CheckpointWriter& operator=(CheckpointWriter&&) = delete;
  ~CheckpointWriter();

  // Appends the line and syncs it to disk. Not thread-safe (the importer serialises calls).
  core::Status Append(const std::string& key, const std::vector<RowResult>& rows);

 private:
  explicit CheckpointWriter(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace leadgate::import

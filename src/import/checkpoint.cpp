#include "import/checkpoint.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "import/column_map.hpp"

namespace leadgate::import {
namespace {

std::optional<RowStatus> ParseStatus(std::string_view s) {
  for (RowStatus st : {RowStatus::kCreated, RowStatus::kValid, RowStatus::kInvalid,
                       RowStatus::kDuplicate, RowStatus::kFailed}) {
    if (ToString(st) == s) return st;
  }
  return std::nullopt;
}

std::optional<std::pair<std::string, std::vector<RowResult>>> ParseLine(
    simdjson::dom::parser& parser, std::string_view line) {
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  std::string_view key;
  simdjson::dom::array rows;
  if (doc["k"].get_string().get(key) != simdjson::SUCCESS ||
      doc["r"].get_array().get(rows) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::vector<RowResult> out;
  for (simdjson::dom::element item : rows) {
    simdjson::dom::array a;
    if (item.get_array().get(a) != simdjson::SUCCESS || a.size() != 6) return std::nullopt;
    uint64_t row = 0;
    uint64_t line_no = 0;
    std::string_view status, lead_id, code, message;
    if (a.at(0).get_uint64().get(row) || a.at(1).get_uint64().get(line_no) ||
        a.at(2).get_string().get(status) || a.at(3).get_string().get(lead_id) ||
        a.at(4).get_string().get(code) || a.at(5).get_string().get(message)) {
      return std::nullopt;
    }
    auto st = ParseStatus(status);
    if (!st) return std::nullopt;
    out.push_back(RowResult{row, line_no, *st, std::string(lead_id), std::string(code),
                            std::string(message)});
  }
  return std::make_pair(std::string(key), std::move(out));
}

core::Error SysError(const std::string& what, const std::string& path) {
  return core::Error{core::ErrorCode::kUnavailable,
                     what + " " + path + ": " + std::strerror(errno)};
}

}  // namespace

core::Result<CheckpointMap> LoadCheckpoint(const std::string& path) {
  CheckpointMap map;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (access(path.c_str(), F_OK) != 0) return map;
    return std::unexpected(SysError("cannot read", path));
  }
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no '\n' after it: a torn last line
    if (auto entry = ParseLine(parser, line)) map[entry->first] = std::move(entry->second);
  }
  return map;
}

std::string FormatCheckpointLine(const std::string& key, const std::vector<RowResult>& rows) {
  std::string line = "{\"k\":";
  AppendJsonString(key, line);
  line += ",\"r\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (i > 0) line += ',';
    line += '[';
    line += std::to_string(r.row);
    line += ',';
    line += std::to_string(r.line);
    line += ',';
    AppendJsonString(ToString(r.status), line);
    line += ',';
    AppendJsonString(r.lead_id, line);
    line += ',';
    AppendJsonString(r.code, line);
    line += ',';
    AppendJsonString(r.message, line);
    line += ']';
  }
  line += "]}\n";
  return line;
}

core::Result<CheckpointWriter> CheckpointWriter::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(SysError("cannot open", path));
  CheckpointWriter writer(fd);
  // Cut a torn last line: keep everything up to the last '\n'.
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::unexpected(SysError("cannot stat", path));
  off_t keep = st.st_size;
  char c = 0;
  while (keep > 0) {
    if (pread(fd, &c, 1, keep - 1) != 1) return std::unexpected(SysError("cannot read", path));
    if (c == '\n') break;
    --keep;
  }
  if (keep != st.st_size) {
    if (ftruncate(fd, keep) != 0) return std::unexpected(SysError("cannot truncate", path));
  }
  if (lseek(fd, 0, SEEK_END) < 0) return std::unexpected(SysError("cannot seek", path));
  return writer;
}

CheckpointWriter::~CheckpointWriter() {
  if (fd_ >= 0) ::close(fd_);
}

core::Status CheckpointWriter::Append(const std::string& key, const std::vector<RowResult>& rows) {
  const std::string line = FormatCheckpointLine(key, rows);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(SysError("cannot write", "the checkpoint"));
    }
    done += static_cast<std::size_t>(n);
  }
  if (fdatasync(fd_) != 0) return std::unexpected(SysError("cannot sync", "the checkpoint"));
  return {};
}

}  // namespace leadgate::import

#include "import/record_source.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "import/csv_reader.hpp"
#include "import/ndjson_reader.hpp"

namespace leadgate::import {
namespace {

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - suffix.size(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

class CsvSource final : public RecordSource {
 public:
  CsvSource(std::istream& in, std::vector<std::string> header, CsvReader reader)
      : in_(in), header_(std::move(header)), reader_(std::move(reader)) {}

  std::optional<Record> Next() override {
    auto row = reader_.Next();
    if (!row) return std::nullopt;
    Record record;
    record.row = ++rows_;
    record.line = row->line;
    if (!row->error.empty()) {
      record.error = row->error;
    } else if (row->fields.size() > header_.size()) {
      record.error = "row has " + std::to_string(row->fields.size()) + " fields; the header has " +
                     std::to_string(header_.size());
    } else {
      record.fields.reserve(row->fields.size());
      for (std::size_t i = 0; i < row->fields.size(); ++i) {
        record.fields.push_back(Field{header_[i], std::move(row->fields[i]), false});
      }
    }
    // tellg may cost a system call: sample it.
    if ((rows_ & 255) == 0) {
      const auto pos = in_.tellg();
      if (pos > 0) position_ = static_cast<std::uint64_t>(pos);
    }
    return record;
  }
  std::uint64_t position() const override { return position_; }

 private:
  std::istream& in_;
  std::vector<std::string> header_;
  CsvReader reader_;
  std::size_t rows_ = 0;
  std::uint64_t position_ = 0;
};

class NdjsonSource final : public RecordSource {
 public:
  explicit NdjsonSource(std::istream& in) : reader_(in) {}
  std::optional<Record> Next() override { return reader_.Next(); }
  std::uint64_t position() const override { return reader_.position(); }

 private:
  NdjsonReader reader_;
};

}  // namespace

InputFormat GuessFormat(std::string_view path) {
  if (EndsWithNoCase(path, ".ndjson") || EndsWithNoCase(path, ".jsonl")) {
    return InputFormat::kNdjson;
  }
  return InputFormat::kCsv;
}

core::Result<std::unique_ptr<RecordSource>> OpenRecordSource(InputFormat format, std::istream& in) {
  if (format == InputFormat::kNdjson) return std::make_unique<NdjsonSource>(in);
  CsvReader reader(in);
  auto header = reader.Next();
  if (!header) return core::MakeError(core::ErrorCode::kInvalidArgument, "the CSV file is empty");
  if (!header->error.empty()) {
    return core::MakeError(core::ErrorCode::kInvalidArgument,
                           "the CSV header (line " + std::to_string(header->line) +
                               ") is malformed: " + header->error);
  }
  std::set<std::string> seen;
  for (const auto& name : header->fields) {
    if (name.empty()) {
      return core::MakeError(core::ErrorCode::kInvalidArgument,
                             "the CSV header has an empty column name");
    }
    if (!seen.insert(name).second) {
      return core::MakeError(core::ErrorCode::kInvalidArgument,
                             "the CSV header repeats the column " + name);
    }
  }
  return std::make_unique<CsvSource>(in, std::move(header->fields), std::move(reader));
}

}  // namespace leadgate::import

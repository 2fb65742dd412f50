// File: record_source.hpp
//
// The input of `leadgate import` as a stream of Records, whatever the file format: CSV (the
// first record is the header; its names label every later row's fields) or NDJSON.
//
//   auto source = OpenRecordSource(InputFormat::kCsv, stream);
//   while (auto record = source->Next()) ...
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "import/record.hpp"

namespace leadgate::import {

enum class InputFormat { kCsv, kNdjson };

// kCsv unless the path ends in ".ndjson" or ".jsonl" (any case).
InputFormat GuessFormat(std::string_view path);

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The next record, or nullopt at the end. A CSV row with more fields than the header, or one
  // the CSV reader could not parse, comes back with `error` set; a row with fewer fields than
  // the header reads the missing ones as empty.
  virtual std::optional<Record> Next() = 0;
  // Bytes of the input consumed so far, when known (0 otherwise); for progress only.
  virtual std::uint64_t position() const = 0;
};

// `in` must outlive the source. For CSV the header is read here: kInvalidArgument when the
// input is empty or the header is malformed or has an empty or repeated column name.
core::Result<std::unique_ptr<RecordSource>> OpenRecordSource(InputFormat format, std::istream& in);

}  // namespace leadgate::import

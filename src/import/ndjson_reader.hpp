// File: ndjson_reader.hpp
//
// Streaming NDJSON reader for `leadgate import`: one JSON object per line (LF or CRLF), empty
// and white-space-only lines skipped, a UTF-8 BOM at the start skipped. Each object becomes a
// Record: a string member keeps its text, any other member (number, boolean, object, array)
// keeps its minified JSON with `raw_json` set, and a null member is dropped (null counts as
// absent in the API). A line that is not a JSON object is a Record with `error` set, and reading
// goes on: one bad line never stops an import.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>

#include "import/record.hpp"

namespace leadgate::import {

class NdjsonReader {
 public:
  // `in` must outlive the reader.
  explicit NdjsonReader(std::istream& in);
  ~NdjsonReader();
  NdjsonReader(const NdjsonReader&) = delete;
  NdjsonReader& operator=(const NdjsonReader&) = delete;

  // The next record (rows numbered from 1), or nullopt at the end of the input.
  std::optional<Record> Next();
  // Bytes consumed so far (for progress).
  std::uint64_t position() const { return position_; }

 private:
  struct Impl;
  std::istream& in_;
  std::size_t line_ = 0;
  std::size_t row_ = 0;
  std::uint64_t position_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leadgate::import

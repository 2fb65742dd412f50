// File: csv_reader.hpp
//
// Streaming RFC 4180 reader for `leadgate import` (issue: the bulk import client). Fields are
// separated by ',' and records by CRLF or LF; a field may be quoted with '"', and inside quotes a
// doubled quote is one quote and commas and line breaks are data. A UTF-8 byte order mark at the
// start is skipped, and so are empty lines. A malformed record (an unterminated quote, text after
// a closing quote) is reported with its line number and reading goes on at the next line, so one
// bad row never stops an import.
//
//   CsvReader reader(file);
//   while (auto row = reader.Next()) {
//     if (row->error.empty()) Use(row->fields); else Report(row->line, row->error);
//   }
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace leadgate::import {

struct CsvRow {
  std::size_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
  std::string error;  // empty for a well-formed record
};

class CsvReader {
 public:
  // `in` must outlive the reader.
  explicit CsvReader(std::istream& in) : in_(in) {}

  // The next record (possibly a malformed one, with `error` set), or nullopt at the end.
  std::optional<CsvRow> Next();

 private:
  int Get();   // next byte, or EOF; counts lines
  int Peek();  // next byte without consuming it, or EOF
  void SkipToEndOfLine();

  std::istream& in_;
  std::size_t line_ = 1;
  bool started_ = false;
};

}  // namespace leadgate::import

// File: results_writer.hpp
//
// The results file of `leadgate import`: CSV (RFC 4180, CRLF-free: LF line ends), one line per
// input row in input order, so bad rows can be fixed and imported again.
//
//   row,line,status,leadId,code,message
//   1,2,created,6b0c31b37ca70fd817498d95,,
//   2,3,invalid,,phone_repeating_digits,Phone number contains repeating digits pattern
//   3,4,duplicate,6b0c31b37ca70fd817498d95,duplicate_phone,Lead with phone +1415... already exists
//   ...
//
// `row` counts data rows from 1 (the CSV header and empty lines are not rows); `line` is the
// file line where the row starts.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "import/record.hpp"

namespace leadgate::import {

inline constexpr std::string_view kResultsHeader = "row,line,status,leadId,code,message\n";

// Appends `s` as one CSV field (quoted when it holds a comma, quote, CR or LF).
void AppendCsvField(std::string_view s, std::string& out);

// One results line (with its '\n').
std::string FormatResultLine(const RowResult& r);

// Writes the header at construction, then lines. `out` must outlive the writer.
class ResultsWriter {
 public:
  explicit ResultsWriter(std::ostream& out);
  void Write(const std::vector<RowResult>& rows);
  bool ok() const { return static_cast<bool>(out_); }
  void Flush() { out_.flush(); }

 private:
  std::ostream& out_;
};

}  // namespace leadgate::import

#include "import/results_writer.hpp"

namespace leadgate::import {

std::string_view ToString(RowStatus status) {
  switch (status) {
    case RowStatus::kCreated:
      return "created";
    case RowStatus::kValid:
      return "valid";
    case RowStatus::kInvalid:
      return "invalid";
    case RowStatus::kDuplicate:
      return "duplicate";
    case RowStatus::kFailed:
      return "failed";
  }
  return "failed";
}

void AppendCsvField(std::string_view s, std::string& out) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string FormatResultLine(const RowResult& r) {
  std::string line = std::to_string(r.row);
  line += ',';
  line += std::to_string(r.line);
  line += ',';
  line += ToString(r.status);
  line += ',';
  AppendCsvField(r.lead_id, line);
  line += ',';
  AppendCsvField(r.code, line);
  line += ',';
  AppendCsvField(r.message, line);
  line += '\n';
  return line;
}

ResultsWriter::ResultsWriter(std::ostream& out) : out_(out) { out_ << kResultsHeader; }

void ResultsWriter::Write(const std::vector<RowResult>& rows) {
  std::string text;
  for (const auto& r : rows) text += FormatResultLine(r);
  out_ << text;
}

}  // namespace leadgate::import

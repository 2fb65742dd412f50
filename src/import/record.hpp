// File: record.hpp
//
// The values that flow through `leadgate import`: an input record (one CSV row or NDJSON line,
// as named fields), and the answer for one input row (what the results file says about it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace leadgate::import {

struct Field {
  std::string name;   // the CSV column header or the NDJSON member name
  std::string value;  // text; for `raw_json` the minified JSON of a non-string NDJSON value
  bool raw_json = false;
};

struct Record {
  std::size_t row = 0;   // 1-based data row (the CSV header is not a row; empty lines are skipped)
  std::size_t line = 0;  // 1-based line of the file where the row starts
  std::vector<Field> fields;
  std::string error;  // non-empty: the row could not be read (it is reported, never sent)
};

enum class RowStatus {
  kCreated,    // stored by the server (leadId is the new lead)
  kValid,      // --dry-run: the server would store it
  kInvalid,    // rejected for its content (locally, or per-lead by the server)
  kDuplicate,  // rejected as a duplicate (leadId is the lead it collides with, when known)
  kFailed,     // not answered: the request failed for good, or the import stopped
};

std::string_view ToString(RowStatus status);

struct RowResult {
  std::size_t row = 0;
  std::size_t line = 0;
  RowStatus status = RowStatus::kFailed;
  std::string lead_id;
  std::string code;
  std::string message;

  bool operator==(const RowResult&) const = default;
};

// A row is "answered" when its status is final: everything but kFailed.
inline bool Answered(RowStatus s) { return s != RowStatus::kFailed; }

}  // namespace leadgate::import

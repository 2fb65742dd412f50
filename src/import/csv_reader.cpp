#include "import/csv_reader.hpp"

namespace leadgate::import {

int CsvReader::Get() {
  const int c = in_.get();
  if (c == '\n') ++line_;
  return c;
}

int CsvReader::Peek() { return in_.peek(); }

void CsvReader::SkipToEndOfLine() {
  for (int c = Get(); c != EOF && c != '\n'; c = Get()) {
  }
}

std::optional<CsvRow> CsvReader::Next() {
  if (!started_) {
    started_ = true;
    // A UTF-8 BOM, as spreadsheet exports write it.
    if (Peek() == 0xEF) {
      Get();
      if (Get() != 0xBB || Get() != 0xBF) {
        in_.clear();
        in_.seekg(0);  // not a BOM after all: read from the start (seekable inputs only)
      }
    }
  }
  // Skip empty lines (LF or CRLF).
  for (;;) {
    const int c = Peek();
    if (c == EOF) return std::nullopt;
    if (c == '\n') {
      Get();
    } else if (c == '\r') {
      Get();
      if (Peek() == '\n') Get();
    } else {
      break;
    }
  }

  CsvRow row;
  row.line = line_;
  std::string field;
  for (;;) {
    int c = Get();
    if (c == '"' && field.empty()) {
      // Quoted field: runs to the closing quote, which must be followed by a separator.
      for (;;) {
        c = Get();
        if (c == EOF) {
          row.error = "unterminated quoted field";
          return row;
        }
        if (c == '"') {
          if (Peek() == '"') {
            Get();
            field.push_back('"');
            continue;
          }
          break;
        }
        field.push_back(static_cast<char>(c));
      }
      c = Get();
      if (c == '\r' && Peek() == '\n') c = Get();
      if (c != ',' && c != '\n' && c != EOF) {
        row.error = "unexpected text after a closing quote";
        if (c != '\n') SkipToEndOfLine();
        return row;
      }
    } else {
      while (c != ',' && c != '\n' && c != EOF) {
        if (c == '\r' && Peek() == '\n') {
          c = Get();
          break;
        }
        if (c == '"') {
          row.error = "quote inside an unquoted field";
          SkipToEndOfLine();
          return row;
        }
        field.push_back(static_cast<char>(c));
        c = Get();
      }
    }
    row.fields.push_back(std::move(field));
    field.clear();
    if (c != ',') return row;  // end of record (LF, CRLF or end of input)
  }
}

}  // namespace leadgate::import

#include "import/ndjson_reader.hpp"

#include <simdjson.h>

#include <string>

namespace leadgate::import {

struct NdjsonReader::Impl {
  simdjson::dom::parser parser;
};

NdjsonReader::NdjsonReader(std::istream& in) : in_(in), impl_(std::make_unique<Impl>()) {}
NdjsonReader::~NdjsonReader() = default;

namespace {

bool Blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

std::optional<Record> NdjsonReader::Next() {
  std::string text;
  while (std::getline(in_, text)) {
    ++line_;
    position_ += text.size() + 1;
    if (line_ == 1 && text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (Blank(text)) continue;
    Record record;
    record.row = ++row_;
    record.line = line_;
    simdjson::dom::element doc;
    if (impl_->parser.parse(text).get(doc) != simdjson::SUCCESS) {
      record.error = "not valid JSON";
      return record;
    }
    simdjson::dom::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) {
      record.error = "not a JSON object";
      return record;
    }
    for (auto [key, value] : object) {
      if (value.is_null()) continue;
      Field field;
      field.name = std::string(key);
      if (value.is_string()) {
        field.value = std::string(value.get_string().value_unsafe());
      } else {
        field.value = simdjson::minify(value);
        field.raw_json = true;
      }
      record.fields.push_back(std::move(field));
    }
    return record;
  }
  return std::nullopt;
}

}  // namespace leadgate::import

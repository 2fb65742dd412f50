#include "import/bulk_answer.hpp"

#include <simdjson.h>

#include <optional>
#include <string>

namespace leadgate::import {
namespace {

core::Result<std::vector<RowResult>> Bad(std::string message) {
  return core::MakeError(core::ErrorCode::kInvalidArgument,
                         "unexpected bulk answer: " + std::move(message));
}

std::string StringOr(simdjson::dom::element e, std::string_view key) {
  std::string_view s;
  if (e[key].get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return "";
}

}  // namespace

bool IsDuplicateCode(std::string_view code) {
  return code == "duplicate_phone" || code == "duplicate_reference" || code == "duplicate_email" ||
         code == "phone_already_attempted";
}

core::Result<std::vector<RowResult>> InterpretBulkAnswer(std::string_view body,
                                                         const std::vector<SentRow>& sent,
                                                         bool dry_run) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  simdjson::dom::array success;
  simdjson::dom::array errors;
  if (doc["success"].get_array().get(success) != simdjson::SUCCESS ||
      doc["errors"].get_array().get(errors) != simdjson::SUCCESS) {
    return Bad("no success and errors arrays");
  }
  std::vector<std::optional<RowResult>> results(sent.size());
  for (simdjson::dom::element item : errors) {
    std::int64_t index = -1;
    if (item["index"].get_int64().get(index) != simdjson::SUCCESS) {
      // An item for `leadIds` (never sent by the importer) or without an index.
      return Bad("an error item without an index");
    }
    if (index < 0 || static_cast<std::size_t>(index) >= sent.size()) {
      return Bad("error index " + std::to_string(index) + " out of range");
    }
    auto& slot = results[static_cast<std::size_t>(index)];
    if (slot) return Bad("error index " + std::to_string(index) + " repeated");
    RowResult r;
    r.row = sent[static_cast<std::size_t>(index)].row;
    r.line = sent[static_cast<std::size_t>(index)].line;
    r.code = StringOr(item, "code");
    r.message = StringOr(item, "error");
    const bool duplicate = r.code.empty()
                               ? (r.message.find("already exists") != std::string::npos ||
                                  r.message.starts_with("A call attempt has already been made"))
                               : IsDuplicateCode(r.code);
    r.status = duplicate ? RowStatus::kDuplicate : RowStatus::kInvalid;
    if (duplicate) r.lead_id = StringOr(item, "existingLeadId");
    slot = std::move(r);
  }
  std::size_t next = 0;
  for (simdjson::dom::element item : success) {
    while (next < results.size() && results[next]) ++next;
    if (next == results.size()) return Bad("more answers than leads sent");
    RowResult r;
    r.row = sent[next].row;
    r.line = sent[next].line;
    r.status = dry_run ? RowStatus::kValid : RowStatus::kCreated;
    r.lead_id = StringOr(item, "_id");
    if (r.lead_id.empty()) return Bad("a success item without _id");
    results[next] = std::move(r);
  }
  std::vector<RowResult> out;
  out.reserve(results.size());
  for (auto& r : results) {
    if (!r) return Bad("fewer answers than leads sent");
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace leadgate::import

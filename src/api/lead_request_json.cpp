#include "api/lead_request_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "core/lead_validator.hpp"
#include "core/text.hpp"

namespace leadgate::api {
namespace {

using rapidjson::Document;
using rapidjson::Value;

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseFullPrecisionFlag;

core::Error Bad(std::string message) {
  return core::Error{core::ErrorCode::kInvalidArgument, std::move(message)};
}

// Documents nested deeper than this are refused, as on the bulk path.
constexpr int kMaxDepth = 64;

// Nesting depth ({} is 1), but never recursing more than kMaxDepth + 1 levels: anything deeper
// reports kMaxDepth + 1, so a hostile document cannot exhaust the stack.
int Depth(const Value& v, int budget = kMaxDepth + 1) {
  if (!v.IsObject() && !v.IsArray()) return 0;
  if (budget <= 0) return 1;
  int deepest = 0;
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) deepest = std::max(deepest, Depth(m.value, budget - 1));
  } else {
    for (const auto& e : v.GetArray()) deepest = std::max(deepest, Depth(e, budget - 1));
  }
  return deepest + 1;
}

// Parses an object body; every failure is "Invalid JSON body".
core::Result<void> ParseObject(std::string_view body, Document& doc) {
  doc.Parse<kParseFlags>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return std::unexpected(Bad("Invalid JSON body"));
  }
  // Iterative parsing cannot overflow the stack, but the depth walks below are recursive.
  if (Depth(doc) > kMaxDepth) return std::unexpected(Bad("Invalid JSON body"));
  return {};
}

std::string Minified(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string_view Name(const Value& key) { return {key.GetString(), key.GetStringLength()}; }

// A string field: trimmed, "" and null are absent; any other type is a 400 naming it.
core::Result<std::optional<std::string>> StringField(std::string_view name, const Value& v) {
  if (v.IsNull()) return std::optional<std::string>();
  if (!v.IsString()) return std::unexpected(Bad(std::string(name) + " must be a string"));
  if (std::string_view(v.GetString(), v.GetStringLength()).find('\0') != std::string_view::npos) {
    // As for ingest (core/lead_validator): no store keeps U+0000 in text alike.
    return std::unexpected(Bad(std::string(name) + " must not contain U+0000"));
  }
  const std::string_view trimmed = core::TrimSpace({v.GetString(), v.GetStringLength()});
  if (trimmed.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::string(trimmed));
}

}  // namespace

core::Result<QueryBody> DecodeQueryBody(std::string_view body) {
  Document doc;
  if (auto ok = ParseObject(body, doc); !ok) return std::unexpected(ok.error());
  QueryBody out;
  const std::pair<std::string_view, std::optional<std::string>*> strings[] = {
      {"processId", &out.process_id},
      {"groupId", &out.group_id},
      {"currentState", &out.current_state},
      {"referenceId", &out.reference_id},
      {"phone", &out.phone},
      {"email", &out.email},
      {"createdFrom", &out.created_from},
      {"createdTo", &out.created_to},
      {"cursor", &out.cursor}};
  for (const auto& member : doc.GetObject()) {
    const std::string_view name = Name(member.name);
    if (name == "limit") {
      if (member.value.IsNull()) continue;
      if (!member.value.IsInt64() || member.value.GetInt64() < 1 ||
          member.value.GetInt64() > 1000) {
        return std::unexpected(Bad("limit must be an integer from 1 to 1000"));
      }
      out.limit = member.value.GetInt64();
      continue;
    }
    auto it = std::find_if(std::begin(strings), std::end(strings),
                           [&](const auto& s) { return s.first == name; });
    if (it == std::end(strings)) return std::unexpected(Bad("Unknown field: " + std::string(name)));
    auto value = StringField(name, member.value);
    if (!value) return std::unexpected(value.error());
    *it->second = std::move(*value);
  }
  return out;
}

core::Result<UpdateBody> DecodeUpdateBody(std::string_view body) {
  Document doc;
  if (auto ok = ParseObject(body, doc); !ok) return std::unexpected(ok.error());
  UpdateBody out;
  const std::pair<std::string_view, std::optional<std::string>*> strings[] = {
      {"leadId", &out.lead_id},
      {"referenceId", &out.reference_id},
      {"projectId", &out.project_id},
      {"processId", &out.process_id},
      {"name", &out.name},
      {"targetState", &out.target_state},
      {"disposition", &out.disposition},
      {"userId", &out.user_id}};
  for (const auto& member : doc.GetObject()) {
    const std::string_view name = Name(member.name);
    if (name == "phone" || name == "email") {
      return std::unexpected(Bad(std::string(name) + " cannot be changed through update"));
    }
    if (name == "metadata") {
      if (member.value.IsNull()) continue;
      if (!member.value.IsObject()) return std::unexpected(Bad("metadata must be an object"));
      out.has_metadata = true;
      for (const auto& m : member.value.GetObject()) {
        out.metadata.emplace_back(
            std::string(Name(m.name)),
            m.value.IsNull() ? std::nullopt : std::optional<std::string>(Minified(m.value)));
      }
      continue;
    }
    auto it = std::find_if(std::begin(strings), std::end(strings),
                           [&](const auto& s) { return s.first == name; });
    if (it != std::end(strings)) {
      auto value = StringField(name, member.value);
      if (!value) return std::unexpected(value.error());
      *it->second = std::move(*value);
      continue;
    }
    out.extra.emplace_back(
        std::string(name),
        member.value.IsNull() ? std::nullopt : std::optional<std::string>(Minified(member.value)));
  }
  return out;
}

core::Result<std::optional<std::string>> MergeMetadata(const std::optional<std::string>& current,
                                                       const MetadataPatch& patch) {
  Document doc;
  if (current) {
    doc.Parse<kParseFlags>(current->data(), current->size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return core::MakeError(core::ErrorCode::kInternal, "stored metadata is not a JSON object");
    }
  } else {
    doc.SetObject();
  }
  auto& alloc = doc.GetAllocator();
  // Existing keys keep their place (a changed value is replaced in place, a deleted one erased
  // without reordering the rest); new keys go at the end.
  for (const auto& [key, raw] : patch) {
    const Value name(
        rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
    auto it = doc.FindMember(name);
    if (!raw) {
      if (it != doc.MemberEnd()) doc.EraseMember(it);
      continue;
    }
    Document value(&alloc);
    value.Parse<kParseFlags>(raw->data(), raw->size());
    if (it != doc.MemberEnd()) {
      it->value.CopyFrom(value, alloc);
    } else {
      doc.AddMember(Value(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), alloc),
                    Value(value, alloc), alloc);
    }
  }
  if (doc.MemberCount() == 0) return std::optional<std::string>();
  std::string merged = Minified(doc);
  if (merged.size() > core::kMaxMetadataBytes) {
    return std::unexpected(
        Bad("metadata exceeds " + std::to_string(core::kMaxMetadataBytes) + " bytes"));
  }
  if (Depth(doc) > core::kMaxMetadataDepth) {
    return std::unexpected(
        Bad("metadata nesting exceeds depth " + std::to_string(core::kMaxMetadataDepth)));
  }
  return std::optional<std::string>(std::move(merged));
}

}  // namespace leadgate::api

#include "api/request_json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>

#include "core/text.hpp"

namespace leadgate::api {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// Three parsers per thread: the request document, one lead object re-read from its raw span, and
// a scratch one for spans inside those (metadata, non-object array items). On-Demand values are
// consumed once, so a span whose raw text we keep is re-parsed to validate and measure it; the
// spans point into the request buffer, whose padding covers them, so nothing is copied.
struct Parsers {
  od::parser document;
  od::parser lead;
  od::parser scratch;
  std::string buffer;  // the request body plus simdjson's padding, reused
};

Parsers& ThreadParsers() {
  thread_local Parsers parsers;
  return parsers;
}

thread_local const char* t_buffer_end = nullptr;

// A view of `span` (inside the thread's request buffer) that simdjson may over-read.
simdjson::padded_string_view PaddedSpan(std::string_view span) {
  return simdjson::padded_string_view(span.data(), span.size(),
                                      static_cast<std::size_t>(t_buffer_end - span.data()));
}

// simdjson 3.0 has no document::at_end(): past the last token, current_location() fails.
bool AtEnd(od::document& doc) { return doc.current_location().error() != SUCCESS; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Validates every byte of a value (structure, atoms, string escapes, numbers) and tracks the
// deepest object/array level. `level` is the level the value sits at (the root object is 1).
error_code Walk(od::value value, int level, int& max_level) {
  if (level > kMaxDocumentDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      max_level = std::max(max_level, level);
      od::object object;
      if (auto e = value.get_object().get(object)) return e;
      for (auto field_result : object) {
        od::field field;
        if (auto e = std::move(field_result).get(field)) return e;
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        if (auto e = Walk(field.value(), level + 1, max_level)) return e;
      }
      return SUCCESS;
    }
    case od::json_type::array: {
      max_level = std::max(max_level, level);
      od::array array;
      if (auto e = value.get_array().get(array)) return e;
      for (auto item_result : array) {
        od::value item;
        if (auto e = std::move(item_result).get(item)) return e;
        if (auto e = Walk(item, level + 1, max_level)) return e;
      }
      return SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return value.get_string().get(s);
    }
    case od::json_type::number: {
      // Integers beyond 64 bits are valid JSON; simdjson reads them as doubles.
      double d;
      return value.get_double().get(d);
    }
    case od::json_type::boolean: {
      bool b;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = value.is_null().get(is_null)) return e;
      return is_null ? SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

// Re-parses a span of the request buffer and validates it whole.
error_code ValidateSpan(std::string_view span, int level, int& max_level) {
  od::document doc;
  if (auto e = ThreadParsers().scratch.iterate(PaddedSpan(span)).get(doc)) return e;
  od::value root;
  if (auto e = doc.get_value().get(root)) return e;
  if (auto e = Walk(root, level, max_level)) return e;
  return AtEnd(doc) ? SUCCESS : simdjson::TRAILING_CONTENT;
}

// The raw text of any value, validated. Consumes the value.
error_code RawValue(od::value value, int level, std::string& raw) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  std::string_view span;
  int ignored = 0;
  if (type == od::json_type::object || type == od::json_type::array) {
    if (type == od::json_type::object) {
      od::object object;
      if (auto e = value.get_object().get(object)) return e;
      if (auto e = object.raw_json().get(span)) return e;
    } else {
      od::array array;
      if (auto e = value.get_array().get(array)) return e;
      if (auto e = array.raw_json().get(span)) return e;
    }
    if (auto e = ValidateSpan(span, level, ignored)) return e;
  } else {
    span = TrimRight(value.raw_json_token());
    if (auto e = Walk(value, level, ignored)) return e;
  }
  raw.assign(span);
  return SUCCESS;
}

enum class Kind { kAbsent, kString, kOther };

// Reads a value expected to be a string. Absent covers JSON null and strings that trim to "".
error_code ReadString(od::value value, int level, Kind& kind, std::optional<std::string>& out) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::string) {
    std::string_view s;
    if (auto e = value.get_string().get(s)) return e;
    s = core::TrimSpace(s);
    if (s.empty()) {
      kind = Kind::kAbsent;
      out.reset();
    } else {
      kind = Kind::kString;
      out.emplace(s);
    }
    return SUCCESS;
  }
  int ignored = 0;
  if (auto e = Walk(value, level, ignored)) return e;
  kind = type == od::json_type::null ? Kind::kAbsent : Kind::kOther;
  out.reset();
  return SUCCESS;
}

// Field order of the docs/api.md table: the first wrong-typed one is reported.
constexpr std::array<std::string_view, 10> kFieldOrder = {
    "projectId", "processId", "groupId",  "phone",       "email",
    "name",      "firstName", "lastName", "referenceId", "metadata"};

int FieldRank(std::string_view field) {
  auto it = std::find(kFieldOrder.begin(), kFieldOrder.end(), field);
  return static_cast<int>(it - kFieldOrder.begin());
}

void NoteWrongType(core::LeadInput& lead, std::string_view field) {
  if (lead.wrong_type_field.empty() || FieldRank(field) < FieldRank(lead.wrong_type_field)) {
    lead.wrong_type_field = std::string(field);
  }
}

// Decodes one lead object from its raw span (level = the object's level in the document).
error_code DecodeLeadObject(std::string_view span, int level, core::LeadInput& lead) {
  lead.raw_json.assign(span);
  lead.process_id_token = "undefined";
  od::document doc;
  if (auto e = ThreadParsers().lead.iterate(PaddedSpan(span)).get(doc)) return e;
  od::object object;
  if (auto e = doc.get_object().get(object)) return e;
  const int child = level + 1;
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return e;
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    od::value value = field.value();

    std::optional<std::string>* target = nullptr;
    if (key == "groupId")
      target = &lead.group_id;
    else if (key == "phone")
      target = &lead.phone;
    else if (key == "email")
      target = &lead.email;
    else if (key == "name")
      target = &lead.name;
    else if (key == "firstName")
      target = &lead.first_name;
    else if (key == "lastName")
      target = &lead.last_name;
    else if (key == "referenceId")
      target = &lead.reference_id;

    Kind kind = Kind::kAbsent;
    if (target != nullptr) {
      if (auto e = ReadString(value, child, kind, *target)) return e;
      if (kind == Kind::kOther) NoteWrongType(lead, key);
    } else if (key == "projectId") {
      // Any non-string counts as a missing projectId (request-level 403).
      if (auto e = ReadString(value, child, kind, lead.project_id)) return e;
    } else if (key == "processId") {
      od::json_type type;
      if (auto e = value.type().get(type)) return e;
      if (type == od::json_type::string) {
        if (auto e = ReadString(value, child, kind, lead.process_id)) return e;
        lead.process_id_token = lead.process_id.value_or("undefined");
      } else {
        lead.process_id.reset();
        if (auto e = RawValue(value, child, lead.process_id_token)) return e;
        if (type == od::json_type::null) lead.process_id_token = "undefined";
      }
    } else if (key == "metadata") {
      od::json_type type;
      if (auto e = value.type().get(type)) return e;
      lead.metadata_json.reset();
      lead.metadata_depth = 0;
      if (type == od::json_type::object) {
        od::object meta;
        std::string_view raw;
        if (auto e = value.get_object().get(meta)) return e;
        if (auto e = meta.raw_json().get(raw)) return e;
        int max_level = 0;
        if (auto e = ValidateSpan(raw, child, max_level)) return e;
        lead.metadata_depth = max_level - child + 1;
        std::string minified(raw.size(), '\0');
        std::size_t len = 0;
        if (auto e = simdjson::minify(raw.data(), raw.size(), minified.data(), len)) return e;
        minified.resize(len);
        lead.metadata_json = std::move(minified);
      } else {
        int ignored = 0;
        if (auto e = Walk(value, child, ignored)) return e;
        if (type != od::json_type::null) NoteWrongType(lead, "metadata");
      }
    } else {
      int ignored = 0;  // unknown fields are ignored, but must still be valid JSON
      if (auto e = Walk(value, child, ignored)) return e;
    }
  }
  return AtEnd(doc) ? SUCCESS : simdjson::TRAILING_CONTENT;
}

// One item of `leads`: an object is decoded; anything else becomes a LeadInput with only its raw
// text (and so fails the projectId check).
error_code DecodeLeadItem(od::value value, int level, core::LeadInput& lead) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type != od::json_type::object) {
    lead.process_id_token = "undefined";
    return RawValue(value, level, lead.raw_json);
  }
  od::object object;
  std::string_view span;
  if (auto e = value.get_object().get(object)) return e;
  if (auto e = object.raw_json().get(span)) return e;
  return DecodeLeadObject(span, level, lead);
}

error_code DecodeLeadId(od::value value, int level, core::LeadIdInput& id) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::string) {
    id.raw_json.assign(TrimRight(value.raw_json_token()));
    Kind kind;
    return ReadString(value, level, kind, id.value);
  }
  id.value.reset();
  return RawValue(value, level, id.raw_json);
}

template <class T, class DecodeItem>
error_code DecodeArrayField(od::value value, int level, ArrayField<T>& field, DecodeItem decode) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  field = ArrayField<T>{};
  if (type != od::json_type::array) {
    int ignored = 0;
    if (auto e = Walk(value, level, ignored)) return e;
    field.present = type != od::json_type::null;
    field.wrong_type = field.present;
    return SUCCESS;
  }
  field.present = true;
  od::array array;
  if (auto e = value.get_array().get(array)) return e;
  for (auto item_result : array) {
    od::value item;
    if (auto e = std::move(item_result).get(item)) return e;
    if (auto e = decode(item, level + 1, field.items.emplace_back())) return e;
  }
  return SUCCESS;
}

error_code DecodeBool(od::value value, int level, BoolField& field) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  field = BoolField{};
  if (type == od::json_type::boolean) {
    bool b = false;
    if (auto e = value.get_bool().get(b)) return e;
    field.value = b;
    return SUCCESS;
  }
  int ignored = 0;
  if (auto e = Walk(value, level, ignored)) return e;
  field.wrong_type = type != od::json_type::null;
  return SUCCESS;
}

// Iterates the top-level object, handing each field to `on_field`, then checks nothing trails.
template <class OnField>
core::Result<void> DecodeRoot(std::string_view body, OnField on_field) {
  Parsers& parsers = ThreadParsers();
  parsers.buffer.assign(body);
  parsers.buffer.append(simdjson::SIMDJSON_PADDING, ' ');
  t_buffer_end = parsers.buffer.data() + parsers.buffer.size();
  const std::string_view text(parsers.buffer.data(), body.size());

  auto fail = [](error_code e) {
    return core::MakeError(core::ErrorCode::kInvalidArgument,
                           std::string("invalid JSON body: ") + simdjson::error_message(e));
  };
  od::document doc;
  if (auto e = parsers.document.iterate(PaddedSpan(text)).get(doc)) return fail(e);
  od::object root;
  if (auto e = doc.get_object().get(root)) return fail(e);
  for (auto field_result : root) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return fail(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return fail(e);
    if (auto e = on_field(key, field.value())) return fail(e);
  }
  if (!AtEnd(doc)) return fail(simdjson::TRAILING_CONTENT);
  return {};
}

error_code SkipUnknown(od::value value) {
  int ignored = 0;
  return Walk(value, 2, ignored);
}

}  // namespace

core::Result<BulkInitiateBody> DecodeBulkInitiate(std::string_view body) {
  BulkInitiateBody out;
  auto status = DecodeRoot(body, [&](std::string_view key, od::value value) -> error_code {
    if (key == "leads") return DecodeArrayField(value, 2, out.leads, DecodeLeadItem);
    if (key == "leadIds") return DecodeArrayField(value, 2, out.lead_ids, DecodeLeadId);
    if (key == "init") return DecodeBool(value, 2, out.init);
    return SkipUnknown(value);
  });
  if (!status) return std::unexpected(status.error());
  return out;
}

core::Result<SingleInitiateBody> DecodeSingleInitiate(std::string_view body) {
  SingleInitiateBody out;
  auto status = DecodeRoot(body, [&](std::string_view key, od::value value) -> error_code {
    if (key == "lead") {
      od::json_type type;
      if (auto e = value.type().get(type)) return e;
      out.lead.reset();
      out.lead_not_object = false;
      if (type == od::json_type::null) return SkipUnknown(value);
      out.lead_not_object = type != od::json_type::object;
      return DecodeLeadItem(value, 2, out.lead.emplace());
    }
    if (key == "leadId") {
      od::json_type type;
      if (auto e = value.type().get(type)) return e;
      out.lead_id.reset();
      if (type == od::json_type::null) return SkipUnknown(value);
      return DecodeLeadId(value, 2, out.lead_id.emplace());
    }
    if (key == "init") return DecodeBool(value, 2, out.init);
    return SkipUnknown(value);
  });
  if (!status) return std::unexpected(status.error());
  return out;
}

}  // namespace leadgate::api

// File: json_writer.hpp
//
// The small RapidJSON writing vocabulary every api/ encoder shares (internal to api/).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/lead.hpp"

namespace leadgate::api::internal {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void Key(Writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

inline void String(Writer& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// Text that is already JSON (validated on the way in), copied verbatim.
inline void Raw(Writer& w, std::string_view json, rapidjson::Type type) {
  w.RawValue(json.data(), json.size(), type);
}

inline void OptionalField(Writer& w, std::string_view key,
                          const std::optional<std::string>& value) {
  if (!value) return;
  Key(w, key);
  String(w, *value);
}

inline void StringOrNull(Writer& w, const std::optional<std::string>& value) {
  if (value) {
    String(w, *value);
  } else {
    w.Null();
  }
}

// The lead object's fields (docs/api.md "The lead object (output)"), without the braces.
void LeadFields(Writer& w, const core::Lead& lead);

}  // namespace leadgate::api::internal

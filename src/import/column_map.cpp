#include "import/column_map.hpp"

#include <simdjson.h>

#include <array>
#include <cctype>

#include "core/phone.hpp"

namespace leadgate::import {
namespace {

// Lower-cased, without '_', '-' and ' ': "First Name" and "first_name" -> "firstname".
std::string Normalize(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '_' || c == '-' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

struct KnownField {
  const char* normalized;
  const char* api;
};
constexpr std::array<KnownField, 7> kFields = {{{"phone", "phone"},
                                                {"email", "email"},
                                                {"firstname", "firstName"},
                                                {"name", "name"},
                                                {"lastname", "lastName"},
                                                {"referenceid", "referenceId"},
                                                {"groupid", "groupId"}}};

std::optional<ColumnTarget> KnownTarget(std::string_view name) {
  const std::string n = Normalize(name);
  for (const auto& f : kFields) {
    if (n == f.normalized) return ColumnTarget{ColumnTarget::Kind::kLeadField, f.api};
  }
  if (n == "projectid" || n == "processid") return ColumnTarget{ColumnTarget::Kind::kSkip, ""};
  return std::nullopt;
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

void AppendJsonString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

core::Result<ColumnMap> ColumnMap::Create(const std::vector<std::string>& overrides) {
  ColumnMap map;
  for (const auto& item : overrides) {
    const auto eq = item.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return core::MakeError(core::ErrorCode::kInvalidArgument,
                             "--map needs column=field, got " + item);
    }
    const std::string column = item.substr(0, eq);
    const std::string field = item.substr(eq + 1);
    ColumnTarget target;
    if (field == "skip") {
      target = {ColumnTarget::Kind::kSkip, ""};
    } else if (field.starts_with("metadata.") && field.size() > 9) {
      target = {ColumnTarget::Kind::kMetadata, field.substr(9)};
    } else if (auto known = KnownTarget(field);
               known && known->kind == ColumnTarget::Kind::kLeadField) {
      target = *known;
    } else {
      return core::MakeError(core::ErrorCode::kInvalidArgument,
                             "--map " + item +
                                 ": the field must be phone, email, firstName, name, lastName, "
                                 "referenceId, groupId, metadata.KEY or skip");
    }
    map.overrides_[column] = target;
  }
  return map;
}

ColumnTarget ColumnMap::For(std::string_view column) const {
  if (auto it = overrides_.find(std::string(column)); it != overrides_.end()) return it->second;
  if (auto known = KnownTarget(column)) return *known;
  return ColumnTarget{ColumnTarget::Kind::kMetadata, std::string(column)};
}

LeadEncoder::LeadEncoder(ColumnMap map, std::string project_id, std::string process_id,
                         std::string region, const core::PhoneNumbers* phones)
    : map_(std::move(map)), region_(std::move(region)), phones_(phones) {
  prefix_ = "{\"projectId\":";
  AppendJsonString(project_id, prefix_);
  prefix_ += ",\"processId\":";
  AppendJsonString(process_id, prefix_);
}

std::optional<LocalFailure> LeadEncoder::Append(const Record& record, std::string& out) const {
  if (!record.error.empty()) return LocalFailure{"unreadable_row", record.error};
  bool contact = false;
  for (const auto& f : record.fields) {
    if (!simdjson::validate_utf8(f.value.data(), f.value.size()) ||
        !simdjson::validate_utf8(f.name.data(), f.name.size())) {
      return LocalFailure{"invalid_utf8", "column " + f.name + " is not valid UTF-8"};
    }
    if (!f.raw_json && TrimAscii(f.value).empty()) continue;
    const ColumnTarget t = map_.For(f.name);
    if (t.kind == ColumnTarget::Kind::kLeadField && (t.name == "phone" || t.name == "email")) {
      contact = true;
    }
  }
  if (!contact) return LocalFailure{"missing_contact", "Either phone or email is required"};

  out += prefix_;
  std::string metadata;
  for (const auto& f : record.fields) {
    if (!f.raw_json && f.value.empty()) continue;
    const ColumnTarget t = map_.For(f.name);
    if (t.kind == ColumnTarget::Kind::kSkip) continue;
    if (t.kind == ColumnTarget::Kind::kMetadata) {
      metadata += metadata.empty() ? "{" : ",";
      AppendJsonString(t.name, metadata);
      metadata += ':';
      if (f.raw_json) {
        metadata += f.value;
      } else {
        AppendJsonString(f.value, metadata);
      }
      continue;
    }
    out += ',';
    AppendJsonString(t.name, out);
    out += ':';
    if (f.raw_json) {
      // A number or boolean given for a lead field is sent as its text (the API wants strings).
      AppendJsonString(f.value, out);
    } else if (t.name == "phone" && !region_.empty() && phones_ != nullptr) {
      const auto check = phones_->Check(TrimAscii(f.value), region_);
      AppendJsonString(check.status == core::PhoneCheck::Status::kValid ? check.e164 : f.value,
                       out);
    } else {
      AppendJsonString(f.value, out);
    }
  }
  if (!metadata.empty()) {
    out += ",\"metadata\":";
    out += metadata;
    out += '}';
  }
  out += '}';
  return std::nullopt;
}

}  // namespace leadgate::import

#include "api/lead_read_json.hpp"

#include <charconv>

#include "api/json_writer.hpp"
#include "core/object_id.hpp"

namespace leadgate::api {
namespace {

using namespace internal;  // NOLINT: the shared writer vocabulary

void ActivityObject(Writer& w, const core::Activity& a) {
  w.StartObject();
  Key(w, "_id");
  String(w, a.id);
  Key(w, "type");
  String(w, core::ToString(a.type));
  Key(w, "at");
  String(w, core::FormatIso8601(a.at));
  OptionalField(w, "userId", a.user_id);
  if (!a.fields.empty()) {
    Key(w, "fields");
    w.StartArray();
    for (const auto& f : a.fields) String(w, f);
    w.EndArray();
  }
  if (a.from) {
    Key(w, "fromState");
    String(w, core::ToString(*a.from));
  }
  if (a.to) {
    Key(w, "toState");
    String(w, core::ToString(*a.to));
  }
  OptionalField(w, "disposition", a.disposition);
  w.EndObject();
}

std::string Finish(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string MaskPhone(std::string_view e164) {
  std::string out(e164);
  int digits_left = 0;
  for (char c : out) digits_left += (c >= '0' && c <= '9') ? 1 : 0;
  for (char& c : out) {
    if (c < '0' || c > '9') continue;
    if (digits_left-- > 4) c = '*';
  }
  return out;
}

std::string EncodeLeadDetail(const core::Lead& lead,
                             const std::vector<core::Activity>& activities) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "success");
  w.Bool(true);
  Key(w, "data");
  w.StartObject();
  LeadFields(w, lead);
  Key(w, "lastDisposition");
  StringOrNull(w, lead.last_disposition);
  Key(w, "activities");
  w.StartArray();
  for (const auto& a : activities) ActivityObject(w, a);
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return Finish(buffer);
}

std::string EncodeLeadPage(const std::vector<core::Lead>& leads,
                           const std::optional<core::LeadCursor>& next) {
  rapidjson::StringBuffer buffer;
  buffer.Reserve(64 + leads.size() * 512);
  Writer w(buffer);
  w.StartObject();
  Key(w, "success");
  w.Bool(true);
  Key(w, "data");
  w.StartArray();
  for (const auto& lead : leads) {
    w.StartObject();
    LeadFields(w, lead);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "nextCursor");
  if (next) {
    String(w, EncodeCursor(*next));
  } else {
    w.Null();
  }
  w.EndObject();
  return Finish(buffer);
}

std::string EncodeLeadUpdated(std::string_view update_id, const core::Lead& lead) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "success");
  w.Bool(true);
  Key(w, "message");
  String(w, "Lead updated");
  Key(w, "updateId");
  String(w, update_id);
  Key(w, "data");
  w.StartObject();
  LeadFields(w, lead);
  w.EndObject();
  w.EndObject();
  return Finish(buffer);
}

std::string EncodeCursor(const core::LeadCursor& cursor) {
  return std::to_string(core::ToUnixMillis(cursor.created_at)) + "." + cursor.id;
}

std::optional<core::LeadCursor> DecodeCursor(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::int64_t ms = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + dot, ms);
  if (ec != std::errc() || end != text.data() + dot || ms < 0) return std::nullopt;
  const std::string_view id = text.substr(dot + 1);
  if (!core::IsObjectId(id)) return std::nullopt;
  return core::LeadCursor{core::FromUnixMillis(ms), std::string(id)};
}

}  // namespace leadgate::api

#include "http/json_error.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <boost/beast/http/field.hpp>
#include <utility>

namespace leadgate::http {

namespace bhttp = boost::beast::http;

Response MakeJsonResponse(unsigned version, bool keep_alive, bhttp::status status,
                          std::string body) {
  Response res{status, version};
  res.set(bhttp::field::server, "leadgate");
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string MakeErrorBody(std::string_view message) {
  // RapidJSON's Writer does the escaping (", \, control characters) so no hand-rolled escaper
  // can get it wrong; messages are short, so the copy out of the StringBuffer is irrelevant.
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  writer.StartObject();
  writer.Key("error", 5);
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Response MakeErrorResponse(unsigned version, bool keep_alive, bhttp::status status,
                           std::string_view message) {
  return MakeJsonResponse(version, keep_alive, status, MakeErrorBody(message));
}

}  // namespace leadgate::http

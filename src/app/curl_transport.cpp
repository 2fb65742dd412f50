#include "app/curl_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace leadgate::app {
namespace {

struct Received {
  std::string body;
  import::HttpAnswer* answer;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<Received*>(user)->body.append(data, size * n);
  return size * n;
}

bool HeaderIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  return std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* answer = static_cast<Received*>(user)->answer;
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new response (after a redirect or a 100 Continue): forget the previous headers.
    answer->retry_after.reset();
    answer->ratelimit.reset();
    answer->ratelimit_policy.reset();
    return size * n;
  }
  auto value = [&](std::string_view name) {
    std::string_view v = line.substr(name.size() + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return std::string(v);
  };
  if (HeaderIs(line, "Retry-After")) answer->retry_after = value("Retry-After");
  if (HeaderIs(line, "RateLimit")) answer->ratelimit = value("RateLimit");
  if (HeaderIs(line, "RateLimit-Policy")) answer->ratelimit_policy = value("RateLimit-Policy");
  return size * n;
}

}  // namespace

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlTransport::CurlTransport(std::chrono::milliseconds timeout)
    : curl_(nullptr), timeout_(timeout) {
  InitCurlOnce();
  curl_ = curl_easy_init();
}

CurlTransport::~CurlTransport() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

leadgate::import::HttpAnswer CurlTransport::Post(const std::string& url,
                                                 const import::HttpHeaders& headers,
                                                 const std::string& body) {
  import::HttpAnswer answer;
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    answer.network_error = true;
    answer.error = "curl_easy_init failed";
    return answer;
  }
  Received received{{}, &answer};
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  // No "Expect: 100-continue" round trip for large bodies.
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &received);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    answer.network_error = true;
    answer.error = curl_easy_strerror(rc);
    return answer;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  answer.status = static_cast<int>(status);
  answer.body = std::move(received.body);
  return answer;
}

}  // namespace leadgate::app

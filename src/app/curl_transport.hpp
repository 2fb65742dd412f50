// File: curl_transport.hpp
//
// import::HttpTransport over libcurl: one easy handle per object, reused so the connection is
// kept alive between requests (and TLS for https URLs, verified against the system CAs).
// Timeouts: connect 10 s, whole request `timeout` (default 120 s); a timeout or any transport
// failure is a network error (retried by the importer: the Idempotency-Key makes it safe).
#pragma once

#include <chrono>
#include <memory>

#include "import/importer.hpp"

namespace leadgate::app {

// Calls curl_global_init once per process (thread-safe).
void InitCurlOnce();

class CurlTransport final : public import::HttpTransport {
 public:
  explicit CurlTransport(std::chrono::milliseconds timeout = std::chrono::seconds(120));
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  import::HttpAnswer Post(const std::string& url, const import::HttpHeaders& headers,
                          const std::string& body) override;

 private:
  void* curl_;  // CURL*
  std::chrono::milliseconds timeout_;
};

}  // namespace leadgate::app

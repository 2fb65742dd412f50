// File: http_client.hpp
//
// A small blocking HTTP/1.1 client for tests (unit tests against http::Server, integration tests
// against the leadgate binary). One object = one TCP connection, used from one thread.
// Every call is bounded by the client's timeout, so a misbehaving server fails a test instead
// of hanging it.
//
//   HttpClient c;
//   ASSERT_OK(c.Connect(port));
//   auto r = c.Send("POST", "/api/v1/leads/initiate",
//                   {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}},
//                   body);
//   ASSERT_OK(r);
//   EXPECT_EQ(r->status, 200);
//
// Beast stays out of this header (it is slow to compile); see http_client.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace leadgate::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  // Sent as given, in order. `Host` is added when absent; `Content-Length` too, unless a
  // Transfer-Encoding header is present (then `body` must already be chunk-encoded).
  HeaderList headers;
  std::string body;
  unsigned version = 11;  // 10 or 11
};

struct ClientResponse {
  int status = 0;
  unsigned version = 11;
  HeaderList headers;
  std::string body;
  bool keep_alive = true;  // what the response says about the connection (version + Connection)

  // The first value of header `name` (case-insensitive), if present.
  std::optional<std::string> Header(std::string_view name) const;
};

// What ReceiveRaw saw.
struct RawReceive {
  std::string bytes;    // everything that arrived (including bytes already buffered)
  bool closed = false;  // the peer closed the connection (EOF or reset) before the timeout
};

class HttpClient {
 public:
  explicit HttpClient(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connects to host:port (kUnavailable on failure). Closes any previous connection first.
  core::Status Connect(unsigned short port, const std::string& host = "127.0.0.1");

  // Writes the request and reads one response, concurrently: a server that answers early
  // (413 before the body) and closes still yields its response. Errors: kUnavailable when no
  // complete response arrived (closed, reset, timeout, not connected).
  core::Result<ClientResponse> Send(const ClientRequest& req);
  core::Result<ClientResponse> Send(std::string method, std::string target, HeaderList headers = {},
                                    std::string body = {});

  // Pipelining: Write several requests (or one SendRaw of several), then ReadResponse each.
  core::Status Write(const ClientRequest& req);
  // `head_request`: the response answers a HEAD (has Content-Length but no body).
  core::Result<ClientResponse> ReadResponse(bool head_request = false);

  // Raw bytes, for malformed-input tests.
  core::Status SendRaw(std::string_view bytes);
  // Reads until the peer closes or `timeout` passes (then the client closes the connection).
  RawReceive ReceiveRaw(std::chrono::milliseconds timeout);
  // True if the peer closes the connection within `timeout` (any bytes received are dropped).
  bool WaitForClose(std::chrono::milliseconds timeout) { return ReceiveRaw(timeout).closed; }

  bool is_open() const;
  void Close();
  void set_timeout(std::chrono::milliseconds timeout);

  // The request exactly as Write sends it.
  static std::string Serialize(const ClientRequest& req);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leadgate::testing

// File: handler.hpp
//
// The seam between the transport (http::Server) and the application. The server owns sockets,
// HTTP framing, limits and timeouts; the Handler owns everything a request means (routing, auth,
// JSON, storage).
//
// Threading contract:
//   - Server calls Handle() on one of its io threads, one request at a time per connection
//     (the next request on a connection is not read until the previous response is written).
//   - Handle() must not block: anything slow (store work) goes to the application's own worker
//     pool, which later calls `done`.
//   - `done` must be called exactly once, from any thread, at any time (also after
//     Server::Stop() or after the Server is destroyed: it then drops the response safely).
//     A second call is ignored and logged. Never calling it leaks the connection until shutdown.
//   - If Handle() throws, the server answers 500 {"error":"Internal server error"} (unless `done`
//     was already called) and a later `done` call is ignored.
//   - The server fills in what the transport owns: the HTTP version, Content-Length
//     (prepare_payload), Connection/keep-alive (the response may ask to close, never to keep a
//     connection the client asked to close), and `Server: leadgate` when absent. For HEAD the
//     body is dropped after Content-Length was computed.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>

namespace leadgate::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

class Handler {
 public:
  virtual ~Handler();

  // Called on an io thread; must not block. Must call `done` exactly once, from any thread.
  // `req` has a complete body (within ServerOptions::body_limit).
  virtual void Handle(Request&& req, std::function<void(Response&&)> done) = 0;
};

}  // namespace leadgate::http

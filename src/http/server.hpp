// File: server.hpp
//
// The HTTP/1.1 transport: accepts connections, frames requests (keep-alive, pipelining, chunked
// bodies, HTTP/1.0), enforces size limits and timeouts, and hands each complete request to a
// Handler. Everything an HTTP client can get wrong on the wire is answered here, never reaching
// the Handler:
//
//   body over body_limit (Content-Length, or chunked once the limit is crossed)
//                                      -> 413 {"error":"Request body too large"}, then close
//   request line + fields over header_limit (16 KiB)
//                                      -> 431 {"error":"Request header fields too large"}, close
//   malformed HTTP (parse error)       -> 400 {"error":"Bad request"}, then close
//   well-formed version other than HTTP/1.0 or 1.1
//                                      -> 505 {"error":"HTTP version not supported"}, close
//   header/body/idle timeout, client hang-up mid-message -> plain close (nothing useful to say)
//   Handler throws                     -> 500 {"error":"Internal server error"}, connection goes on
//
// `Expect: 100-continue` is honoured (100 Continue is sent only when the declared body fits).
// After a response that closes the connection the server half-closes and discards input for up
// to 1 s / 1 MiB (so the client reads the 4xx instead of a reset); it never parses that input.
//
// Threading: Start/Stop/port are called from one controlling thread (not from an io thread or
// from within Handler::Handle). The server runs `io_threads` threads of its own; each connection
// is served on its own strand, so at most one of its callbacks runs at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "http/handler.hpp"

namespace leadgate::http {

namespace internal {
struct ServerCore;  // defined in server.cpp
}  // namespace internal

struct ServerOptions {
  std::string host = "127.0.0.1";  // IP literal or resolvable name
  unsigned short port = 8080;      // 0 = ephemeral (read the real one from Server::port())
  int io_threads = 2;
  std::size_t body_limit = std::size_t{8} << 20;     // 8 MiB
  std::size_t header_limit = std::size_t{16} << 10;  // request line + fields, 16 KiB
  std::chrono::milliseconds header_timeout{10000};   // first byte of a request to end of header
  std::chrono::milliseconds body_timeout{30000};     // end of header to end of body
  std::chrono::milliseconds idle_timeout{60000};     // keep-alive: between requests
  std::chrono::milliseconds write_timeout{30000};    // writing one response
  std::chrono::milliseconds shutdown_grace{5000};    // Stop(): wait this long for in-flight
  std::size_t read_buffer_bytes = std::size_t{64} << 10;  // per connection; large reads matter
};

class Server {
 public:
  // `handler` must outlive the Server (Stop() returns only after every io thread is joined; a
  // Handler call is never made after that).
  Server(ServerOptions options, Handler& handler);
  ~Server();  // calls Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the io threads. Errors: kUnavailable if the address cannot be
  // bound (in use, no permission), kInvalidArgument for a bad host or option,
  // kFailedPrecondition if called twice or after Stop().
  core::Status Start();

  // The bound port (the ephemeral one when options.port was 0); 0 before a successful Start().
  unsigned short port() const;

  // Graceful stop; idempotent; blocks. Stops accepting, closes idle and half-read connections,
  // lets requests already handed to the Handler finish (their response is written with
  // `Connection: close`) for up to options.shutdown_grace, then closes everything and joins the
  // io threads. A `done` arriving later is dropped safely.
  void Stop();

 private:
  // Shared with every connection, so a `done` arriving after Stop() or ~Server() still finds a
  // live io_context to release its socket into.
  std::shared_ptr<internal::ServerCore> core_;
};

}  // namespace leadgate::http

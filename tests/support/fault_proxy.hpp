// File: fault_proxy.hpp
//
// An HTTP/1.1 proxy for the import tests: it forwards each request to a real `leadgate serve`
// on 127.0.0.1, except that for the requests its plan chooses it injects a fault:
//
//   kDropBeforeForward   close the client connection without forwarding (nothing reaches the
//                        server)
//   kDropAfterForward    forward, let the server do the work, then close the client connection
//                        without answering: the case an Idempotency-Key exists for
//   k500                 answer 500 {"error":"Internal server error"} itself
//   k429                 answer 429 {"success":false,"error":"Rate limit exceeded"} with
//                        Retry-After: 1 itself
//
// One thread per client connection (with its own upstream connection), keep-alive on both
// sides. Thread-safe; the destructor closes every connection and joins every thread.
//
//   FaultProxy proxy(server_port, [](std::size_t n) { return n % 3 == 1 ? Fault::k500 :
//   Fault::kNone; }); RunImport("--url", "http://127.0.0.1:" + std::to_string(proxy.port()), ...);
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>

namespace leadgate::testing {

enum class Fault { kNone, kDropBeforeForward, kDropAfterForward, k500, k429 };

class FaultProxy {
 public:
  // `plan(n)`: the fault for the n-th request through the proxy (0-based, in arrival order).
  FaultProxy(unsigned short upstream_port, std::function<Fault(std::size_t n)> plan);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  unsigned short port() const;
  // How many requests got each fault so far.
  std::map<Fault, std::size_t> counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leadgate::testing

#include "support/fault_proxy.hpp"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <mutex>
#include <thread>
#include <vector>

namespace leadgate::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct FaultProxy::Impl {
  unsigned short upstream_port;
  std::function<Fault(std::size_t)> plan;
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
  std::thread accept_thread;

  mutable std::mutex mu;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> threads;
  std::size_t next_request = 0;
  std::map<Fault, std::size_t> counts;

  Fault Next() {
    std::lock_guard lock(mu);
    const Fault f = plan(next_request++);
    ++counts[f];
    return f;
  }

  void Track(const std::shared_ptr<tcp::socket>& s) {
    std::lock_guard lock(mu);
    sockets.push_back(s);
  }

  static void Reply(tcp::socket& client, unsigned version, int status, const std::string& body,
                    bool retry_after) {
    http::response<http::string_body> res{static_cast<http::status>(status), version};
    res.set(http::field::content_type, "application/json");
    if (retry_after) res.set(http::field::retry_after, "1");
    res.body() = body;
    res.keep_alive(true);
    res.prepare_payload();
    beast::error_code ec;
    http::write(client, res, ec);
  }

  void Serve(std::shared_ptr<tcp::socket> client) {
    beast::flat_buffer client_buffer;
    auto upstream = std::make_shared<tcp::socket>(io);
    Track(upstream);
    bool upstream_open = false;
    beast::flat_buffer upstream_buffer;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(*client, client_buffer, req, ec);
      if (ec || stopping) break;
      const Fault fault = Next();
      if (fault == Fault::kDropBeforeForward) break;
      if (fault == Fault::k500) {
        Reply(*client, req.version(), 500, R"({"error":"Internal server error"})", false);
        continue;
      }
      if (fault == Fault::k429) {
        Reply(*client, req.version(), 429, R"({"success":false,"error":"Rate limit exceeded"})",
              true);
        continue;
      }
      if (!upstream_open) {
        upstream->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), upstream_port), ec);
        if (ec) break;
        upstream_open = true;
      }
      req.keep_alive(true);
      http::write(*upstream, req, ec);
      if (ec) break;
      http::response<http::string_body> res;
      http::read(*upstream, upstream_buffer, res, ec);
      if (ec) break;
      if (fault == Fault::kDropAfterForward) break;
      http::write(*client, res, ec);
      if (ec) break;
    }
    // Shut down, never close, here: the descriptors stay owned by `sockets` until the destructor,
    // so its shutdown() calls can never hit a descriptor number reused by someone else.
    beast::error_code ignored;
    client->shutdown(tcp::socket::shutdown_both, ignored);
    if (upstream_open) upstream->shutdown(tcp::socket::shutdown_both, ignored);
  }

  void Accept() {
    for (;;) {
      auto client = std::make_shared<tcp::socket>(io);
      beast::error_code ec;
      acceptor.accept(*client, ec);
      if (stopping) return;
      if (ec) continue;
      Track(client);
      std::lock_guard lock(mu);
      threads.emplace_back([this, client] { Serve(client); });
    }
  }
};

FaultProxy::FaultProxy(unsigned short upstream_port, std::function<Fault(std::size_t)> plan)
    : impl_(std::make_unique<Impl>()) {
  impl_->upstream_port = upstream_port;
  impl_->plan = std::move(plan);
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->accept_thread = std::thread([this] { impl_->Accept(); });
}

FaultProxy::~FaultProxy() {
  impl_->stopping = true;
  // Unblock accept() with one last connection, and every blocking read with a shutdown.
  {
    net::io_context io;
    tcp::socket s(io);
    beast::error_code ec;
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()), ec);
  }
  impl_->accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sockets) {
      if (s->is_open()) ::shutdown(s->native_handle(), SHUT_RDWR);
    }
    threads.swap(impl_->threads);
  }
  for (auto& t : threads) t.join();
}

unsigned short FaultProxy::port() const { return impl_->acceptor.local_endpoint().port(); }

std::map<Fault, std::size_t> FaultProxy::counts() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counts;
}

}  // namespace leadgate::testing

#include "support/http_client.hpp"

// g++ 12 -O2 reports a "potential null pointer dereference" inside Asio's scheduler after
// inlining (a middle-end warning that system-header suppression does not cover).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <optional>

namespace leadgate::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

bool HasHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return true;
  }
  return false;
}

core::Error Unavailable(std::string what, const error_code& ec) {
  return core::Error{core::ErrorCode::kUnavailable, std::move(what) + ": " + ec.message()};
}

}  // namespace

std::optional<std::string> ClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return std::nullopt;
}

// Every operation is asynchronous on a private io_context and run to completion before the
// call returns: that is what lets beast::tcp_stream enforce the timeout (synchronous Asio
// calls ignore SO_RCVTIMEO and could block a test forever).
struct HttpClient::Impl {
  explicit Impl(std::chrono::milliseconds t) : timeout(t) {}

  void Run() {
    ioc.restart();
    ioc.run();
  }

  core::Result<ClientResponse> Read(bool head_request) {
    if (!stream) return core::MakeError(core::ErrorCode::kUnavailable, "not connected");
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    if (head_request) parser.skip(true);
    error_code ec;
    stream->expires_after(timeout);
    bhttp::async_read(*stream, buffer, parser, [&](error_code e, std::size_t) { ec = e; });
    Run();
    if (ec) return std::unexpected(Unavailable("read response", ec));
    return ToResponse(parser.release());
  }

  static ClientResponse ToResponse(bhttp::response<bhttp::string_body>&& msg) {
    ClientResponse out;
    out.status = static_cast<int>(msg.result_int());
    out.version = msg.version();
    for (const auto& field : msg) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.keep_alive = msg.keep_alive();
    out.body = std::move(msg.body());
    return out;
  }

  std::chrono::milliseconds timeout;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(timeout)) {}

HttpClient::~HttpClient() = default;

void HttpClient::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout = timeout; }

bool HttpClient::is_open() const { return impl_->stream && impl_->stream->socket().is_open(); }

void HttpClient::Close() {
  if (impl_->stream) {
    impl_->stream->close();
    impl_->stream.reset();
  }
  impl_->buffer.clear();
}

core::Status HttpClient::Connect(unsigned short port, const std::string& host) {
  Close();
  error_code ec;
  const auto addr = net::ip::make_address(host, ec);
  if (ec) return std::unexpected(Unavailable("bad address " + host, ec));
  impl_->stream.emplace(impl_->ioc);
  impl_->stream->expires_after(impl_->timeout);
  impl_->stream->async_connect(tcp::endpoint(addr, port), [&](error_code e) { ec = e; });
  impl_->Run();
  if (ec) {
    Close();
    return std::unexpected(Unavailable("connect " + host + ":" + std::to_string(port), ec));
  }
  error_code ignored;
  impl_->stream->socket().set_option(tcp::no_delay(true), ignored);
  return {};
}

std::string HttpClient::Serialize(const ClientRequest& req) {
  std::string out;
  out.reserve(256 + req.body.size());
  out.append(req.method).append(" ").append(req.target);
  out.append(req.version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  if (!HasHeader(req.headers, "Host")) out.append("Host: 127.0.0.1\r\n");
  for (const auto& [k, v] : req.headers) out.append(k).append(": ").append(v).append("\r\n");
  if (!HasHeader(req.headers, "Content-Length") && !HasHeader(req.headers, "Transfer-Encoding") &&
      (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH")) {
    out.append("Content-Length: ").append(std::to_string(req.body.size())).append("\r\n");
  }
  out.append("\r\n");
  out.append(req.body);
  return out;
}

core::Status HttpClient::Write(const ClientRequest& req) { return SendRaw(Serialize(req)); }

core::Status HttpClient::SendRaw(std::string_view bytes) {
  if (!impl_->stream) return core::MakeError(core::ErrorCode::kUnavailable, "not connected");
  error_code ec;
  impl_->stream->expires_after(impl_->timeout);
  net::async_write(*impl_->stream, net::buffer(bytes.data(), bytes.size()),
                   [&](error_code e, std::size_t) { ec = e; });
  impl_->Run();
  if (ec) return std::unexpected(Unavailable("write", ec));
  return {};
}

core::Result<ClientResponse> HttpClient::Send(const ClientRequest& req) {
  if (!impl_->stream) return core::MakeError(core::ErrorCode::kUnavailable, "not connected");
  const std::string wire = Serialize(req);
  beast::tcp_stream& stream = *impl_->stream;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  if (req.method == "HEAD") parser.skip(true);

  // Write and read at the same time, so an early answer (413 after the header) is seen even
  // though the server stops reading and the write then fails.
  error_code wec;
  error_code rec;
  bool write_done = false;
  stream.expires_after(impl_->timeout);
  net::async_write(stream, net::buffer(wire), [&](error_code e, std::size_t) {
    wec = e;
    write_done = true;
  });
  bhttp::async_read(stream, impl_->buffer, parser, [&](error_code e, std::size_t) {
    rec = e;
    // Answered before the request was fully sent: the rest cannot be sent usefully, and the
    // connection's framing is lost, so stop writing and give up the connection.
    if (!e && !write_done) stream.close();
  });
  impl_->Run();
  if (rec) {
    std::string what = "read response";
    if (wec) what += " (write failed too: " + wec.message() + ")";
    return std::unexpected(Unavailable(std::move(what), rec));
  }
  return Impl::ToResponse(parser.release());
}

core::Result<ClientResponse> HttpClient::Send(std::string method, std::string target,
                                              HeaderList headers, std::string body) {
  ClientRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.headers = std::move(headers);
  req.body = std::move(body);
  return Send(req);
}

core::Result<ClientResponse> HttpClient::ReadResponse(bool head_request) {
  return impl_->Read(head_request);
}

RawReceive HttpClient::ReceiveRaw(std::chrono::milliseconds timeout) {
  RawReceive out;
  out.bytes = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.clear();
  if (!impl_->stream) {
    out.closed = true;
    return out;
  }
  beast::tcp_stream& stream = *impl_->stream;
  std::array<char, 16384> chunk{};
  error_code ec;
  std::function<void()> read_more = [&] {
    stream.async_read_some(net::buffer(chunk), [&](error_code e, std::size_t n) {
      out.bytes.append(chunk.data(), n);
      if (e) {
        ec = e;
        return;
      }
      read_more();
    });
  };
  stream.expires_after(timeout);  // one deadline for the whole loop
  read_more();
  impl_->Run();
  // EOF or reset: the peer closed. A timeout (tcp_stream closed the socket itself) is not.
  out.closed = ec != beast::error::timeout;
  Close();
  return out;
}

}  // namespace leadgate::testing

#include "http/server.hpp"

// g++ 12 -O2 reports a "potential null pointer dereference" inside Asio's scheduler after
// inlining; system-header suppression does not cover such middle-end warnings. It is Asio's
// code, not ours, so it is silenced for this file only.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/json_error.hpp"
#include "http/log.hpp"

namespace leadgate::http {

Handler::~Handler() = default;

namespace internal {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// After a response that ends the connection we half-close and read (discarding) for a moment
// before closing: closing a socket with unread input makes the kernel send RST, which can
// destroy the response (e.g. a 413) before the client has read it. Bounded in time and bytes, so
// "read no further" still holds in substance: the body is never parsed or buffered.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kLingerBytes = std::size_t{1} << 20;
// Backoff when accept() fails for lack of resources (EMFILE/ENFILE), instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetry{100};
// How long Stop() waits for io threads after force-closing everything before it aborts the
// io_context. Only a bug (an operation nobody closes) makes this matter.
constexpr std::chrono::seconds kJoinFallback{5};

constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";

const boost::system::error_category& HttpCategory() {
  return bhttp::make_error_code(bhttp::error::end_of_stream).category();
}

}  // namespace

class Session;

struct ServerCore : std::enable_shared_from_this<ServerCore> {
  ServerCore(ServerOptions o, Handler& h)
      : options(std::move(o)), handler(h), ioc(std::max(1, options.io_threads)) {}

  void Accept();
  void OnAccept(error_code ec, tcp::socket socket);
  // Sessions whose weak_ptr is still alive, collected under `mu`.
  std::vector<std::shared_ptr<Session>> LiveSessions();

  const ServerOptions options;
  Handler& handler;

  // Guards the fields below it. Never held across I/O: only around flag/map updates and the
  // (non-blocking) post of a finished response.
  std::mutex mu;
  bool draining = false;  // Stop() began: new connections are refused
  bool closed = false;    // Stop() forced: nothing may be posted into `ioc` any more
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::condition_variable sessions_changed;
  int running_threads = 0;
  std::condition_variable threads_changed;

  // Controlling-thread state (Start/Stop).
  bool started = false;
  bool stop_called = false;
  std::vector<std::thread> threads;
  std::atomic<unsigned short> port{0};

  // Declared after the map and mutex so it is destroyed first, while they still exist; the
  // acceptor, timer and work guard are destroyed before it.
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;  // on its own strand
  std::optional<net::steady_timer> accept_retry;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
};

// One connection. Lives as long as any of: a pending operation on its strand, a handler posted
// to its strand, or a `done` callback held by the application. Every member function except
// Deliver() runs on the strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<ServerCore> core, tcp::socket&& socket)
      : core_(std::move(core)), stream_(std::move(socket)) {
    // A large buffer up front: Beast sizes each read by the free capacity, so with the default
    // (tiny) buffer a 300 KB body arrives in hundreds of small reads (measured 10x slower).
    buffer_.reserve(core_->options.read_buffer_bytes);
    error_code ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  }

  ~Session() {
    std::lock_guard lock(core_->mu);
    if (core_->sessions.erase(this) > 0 && core_->sessions.empty()) {
      core_->sessions_changed.notify_all();
    }
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  net::any_io_executor executor() { return stream_.get_executor(); }  // the strand

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kClosed) return;  // Stop() came first
      self->ReadHeader(self->core_->options.header_timeout);
    });
  }

  // Stop(), graceful phase: connections waiting for or reading a request are closed now; one
  // whose request is with the Handler (or whose response is being written) finishes that
  // response with `Connection: close`.
  void BeginShutdown() {
    shutting_down_ = true;
    if (state_ == State::kReading || state_ == State::kLingering) Close();
  }

  // Stop(), forced phase.
  void ForceClose() {
    shutting_down_ = true;
    Close();
  }

  // Any thread (this is `done`). Hands the response to the strand unless the server is gone.
  void Deliver(std::uint64_t seq, Response&& res) {
    // Posting under the lock makes "not closed" and "posted" one step: Stop() sets `closed`
    // under the same lock before it lets the io threads run dry, so a response is either
    // dropped here or run by an io thread, never left queued in a dead io_context (which would
    // keep the session, and the io_context itself, alive in a reference cycle).
    std::lock_guard lock(core_->mu);
    if (core_->closed) return;
    net::post(stream_.get_executor(),
              [self = shared_from_this(), seq, r = std::move(res)]() mutable {
                self->OnResponse(seq, std::move(r));
              });
  }

 private:
  enum class State { kReading, kHandling, kWriting, kLingering, kClosed };

  const ServerOptions& opts() const { return core_->options; }

  // --- reading ---------------------------------------------------------------------------------

  // Keep-alive: wait (idle_timeout) for the first byte of the next request, then give the
  // client header_timeout for the whole header. Pipelined bytes already buffered skip the wait.
  void WaitForNextRequest() {
    if (shutting_down_) return Close();
    if (buffer_.size() > 0) return ReadHeader(opts().header_timeout);
    stream_.expires_after(opts().idle_timeout);
    stream_.async_read_some(buffer_.prepare(opts().read_buffer_bytes),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (self->state_ == State::kClosed) return;
                              if (ec) return self->Close();  // idle timeout or hang-up: routine
                              self->buffer_.commit(n);
                              self->ReadHeader(self->opts().header_timeout);
                            });
  }

  void ReadHeader(std::chrono::milliseconds timeout) {
    state_ = State::kReading;
    // A fresh parser per message: parsers are single-use, and limits are per message.
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(opts().header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(static_cast<std::uint64_t>(opts().body_limit));
    stream_.expires_after(timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(error_code ec) {
    if (state_ == State::kClosed) return;
    // Content-Length over body_limit fails here (error::body_limit), before any body is read.
    if (ec) return OnReadError(ec, "reading request header");
    const Request& req = parser_->get();  // version is 10 or 11: Beast rejects the rest
    if (parser_->is_done()) return Dispatch();
    if (req.version() == 11 && beast::iequals(req[bhttp::field::expect], "100-continue")) {
      // The client waits for this before sending the body (curl does for large bodies);
      // without it every large request would stall for the client's expect timeout.
      stream_.expires_after(opts().write_timeout);
      net::async_write(stream_, net::buffer(k100Continue.data(), k100Continue.size()),
                       [self = shared_from_this()](error_code wec, std::size_t) {
                         if (self->state_ == State::kClosed) return;
                         if (wec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(opts().body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        if (self->state_ == State::kClosed) return;
                        if (ec) return self->OnReadError(ec, "reading request body");
                        self->Dispatch();
                      });
  }

  void OnReadError(error_code ec, std::string_view phase) {
    if (ec == bhttp::error::body_limit) {
      LogError("rejected request",
               "body over " + std::to_string(opts().body_limit) + " bytes (413)" + From());
      return WriteErrorAndClose(bhttp::status::payload_too_large, "Request body too large");
    }
    if (ec == bhttp::error::header_limit) {
      LogError("rejected request",
               "header over " + std::to_string(opts().header_limit) + " bytes (431)" + From());
      return WriteErrorAndClose(bhttp::status::request_header_fields_too_large,
                                "Request header fields too large");
    }
    if (ec == beast::error::timeout) {
      // tcp_stream has already closed the socket: a slow client is dropped without an answer.
      LogError("timeout " + std::string(phase) + From(), "");
      return Close();
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec.category() != HttpCategory()) {
      return Close();  // the client hung up (or a socket error): there is nobody to answer
    }
    if (ec == bhttp::error::bad_version && HasWellFormedVersion()) {
      // "HTTP/2.0" or "HTTP/1.2": well-formed, just not ours (Beast speaks only 1.0 and 1.1).
      LogError("rejected request", "unsupported HTTP version (505)" + From());
      return WriteErrorAndClose(bhttp::status::http_version_not_supported,
                                "HTTP version not supported");
    }
    // Every other HTTP-category error is a malformed message (bad method/target/version/field,
    // bad chunk, bad Content-Length...): say so once, then close, since framing is lost.
    LogError("bad request (400)", ec.message() + From());
    WriteErrorAndClose(bhttp::status::bad_request, "Bad request");
  }

  // After error::bad_version the unparsed request line is still in buffer_ (Beast consumes
  // input only on success): does it end in a syntactically valid "HTTP/<digit>.<digit>"?
  bool HasWellFormedVersion() const {
    const auto data = buffer_.data();
    const std::string_view in(static_cast<const char*>(data.data()),
                              std::min<std::size_t>(data.size(), opts().header_limit));
    const std::size_t eol = in.find("\r\n");
    if (eol == std::string_view::npos) return false;
    const std::string_view line = in.substr(0, eol);
    const std::size_t at = line.rfind(" HTTP/");
    if (at == std::string_view::npos || line.size() != at + 9) return false;
    auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
    return digit(line[at + 6]) && line[at + 7] == '.' && digit(line[at + 8]);
  }

  // --- handing off -----------------------------------------------------------------------------

  void Dispatch() {
    Request req = parser_->release();  // moves the body, no copy
    parser_.reset();
    req_version_ = req.version();
    req_keep_alive_ = req.keep_alive();
    req_head_ = req.method() == bhttp::verb::head;
    state_ = State::kHandling;
    stream_.expires_never();  // the Handler's time is not the client's
    const std::uint64_t seq = ++seq_;
    auto self = shared_from_this();
    try {
      core_->handler.Handle(std::move(req),
                            [self, seq](Response&& res) { self->Deliver(seq, std::move(res)); });
    } catch (const std::exception& e) {
      LogError("handler threw", e.what() + From());
      Deliver(seq, MakeErrorResponse(req_version_, true, bhttp::status::internal_server_error,
                                     "Internal server error"));
    } catch (...) {
      LogError("handler threw", "unknown exception" + From());
      Deliver(seq, MakeErrorResponse(req_version_, true, bhttp::status::internal_server_error,
                                     "Internal server error"));
    }
  }

  void OnResponse(std::uint64_t seq, Response&& res) {
    if (state_ == State::kClosed) return;  // closed by Stop() or a timeout meanwhile
    if (state_ != State::kHandling || seq != seq_) {
      // First answer wins (also when the Handler threw after calling done, or vice versa).
      LogError("handler called done more than once; extra response dropped" + From(), "");
      return;
    }
    res_ = std::move(res);
    bool keep_alive = req_keep_alive_ && !shutting_down_;
    try {
      // The Handler may ask to close (Connection: close), never to keep a connection the
      // client asked to close. Judge its wish with 1.1 rules, whatever version it set.
      res_.version(11);
      keep_alive = keep_alive && res_.keep_alive();
      res_.version(req_version_);
      res_.keep_alive(keep_alive);
      if (res_.find(bhttp::field::server) == res_.end()) res_.set(bhttp::field::server, "leadgate");
      res_.prepare_payload();              // throws for a body on 1xx/204/304
      if (req_head_) res_.body().clear();  // Content-Length stays: that of the GET answer
    } catch (const std::exception& e) {
      LogError("handler returned an invalid response", e.what() + From());
      res_ = MakeErrorResponse(req_version_, keep_alive, bhttp::status::internal_server_error,
                               "Internal server error");
    }
    Write(!keep_alive);
  }

  // --- writing ---------------------------------------------------------------------------------

  void WriteErrorAndClose(bhttp::status status, std::string_view message) {
    unsigned version = 11;
    if (parser_ && parser_->is_header_done()) {
      const unsigned v = parser_->get().version();
      if (v == 10 || v == 11) version = v;
    }
    parser_.reset();
    res_ = MakeErrorResponse(version, false, status, message);
    Write(/*close_after=*/true);
  }

  void Write(bool close_after) {
    state_ = State::kWriting;
    close_after_write_ = close_after;
    stream_.expires_after(opts().write_timeout);
    bhttp::async_write(stream_, res_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->OnWrite(ec);
    });
  }

  void OnWrite(error_code ec) {
    res_ = Response{};  // release a large body now rather than at the next response
    if (state_ == State::kClosed) return;
    if (ec) return Close();
    if (close_after_write_ || shutting_down_) return Linger();
    WaitForNextRequest();
  }

  // --- closing ---------------------------------------------------------------------------------

  void Linger() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);  // FIN after the response
    if (ec || shutting_down_) return Close();
    state_ = State::kLingering;
    buffer_.clear();  // pipelined requests after a closing response are dropped
    lingered_ = 0;
    stream_.expires_after(kLingerTime);  // one deadline for the whole drain
    DrainSome();
  }

  void DrainSome() {
    stream_.async_read_some(buffer_.prepare(opts().read_buffer_bytes),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (self->state_ == State::kClosed) return;
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerBytes) return self->Close();
                              self->DrainSome();  // discarded: never committed to the buffer
                            });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    stream_.close();  // also cancels the timer; pending operations complete with an error
    parser_.reset();
  }

  std::string From() const { return peer_.empty() ? std::string() : " from " + peer_; }

  // Declared first so it is destroyed last: stream_ needs the io_context inside it.
  std::shared_ptr<ServerCore> core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Response res_;
  std::string peer_;
  State state_ = State::kReading;
  std::uint64_t seq_ = 0;  // identifies the request the Handler is working on
  unsigned req_version_ = 11;
  bool req_keep_alive_ = true;
  bool req_head_ = false;
  bool close_after_write_ = false;
  bool shutting_down_ = false;
  std::size_t lingered_ = 0;
};

void ServerCore::Accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerCore::OnAccept(error_code ec, tcp::socket socket) {
  if (!acceptor->is_open()) return;  // Stop() closed it
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    LogError("accept failed", ec.message());
    // Out of descriptors (or similar): retry soon instead of spinning on the same error.
    accept_retry->expires_after(kAcceptRetry);
    accept_retry->async_wait([this](error_code tec) {
      if (!tec && acceptor->is_open()) Accept();
    });
    return;
  }
  error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);  // responses are one gather write: no Nagle
  auto session = std::make_shared<Session>(shared_from_this(), std::move(socket));
  bool admitted = false;
  {
    std::lock_guard lock(mu);
    if (!draining) {
      sessions.emplace(session.get(), session);
      admitted = true;
    }
  }
  if (admitted) session->Start();  // else the socket closes with the session
  Accept();
}

std::vector<std::shared_ptr<Session>> ServerCore::LiveSessions() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(mu);
  out.reserve(sessions.size());
  for (auto& [ptr, weak] : sessions) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace internal

Server::Server(ServerOptions options, Handler& handler)
    : core_(std::make_shared<internal::ServerCore>(std::move(options), handler)) {}

Server::~Server() { Stop(); }

unsigned short Server::port() const { return core_->port.load(); }

core::Status Server::Start() {
  namespace net = boost::asio;
  using internal::tcp;
  internal::ServerCore& c = *core_;
  if (c.started || c.stop_called) {
    return core::MakeError(core::ErrorCode::kFailedPrecondition, "server already started");
  }
  const ServerOptions& o = c.options;
  if (o.io_threads < 1 || o.read_buffer_bytes == 0 || o.header_limit == 0) {
    return core::MakeError(core::ErrorCode::kInvalidArgument,
                           "io_threads, read_buffer_bytes and header_limit must be positive");
  }

  internal::error_code ec;
  tcp::endpoint endpoint;
  const net::ip::address addr = net::ip::make_address(o.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(addr, o.port);
  } else {
    tcp::resolver resolver(c.ioc);
    const auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (ec || results.empty()) {
      return core::MakeError(core::ErrorCode::kInvalidArgument,
                             "cannot resolve host '" + o.host + "': " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }
  const std::string where = o.host + ":" + std::to_string(o.port);

  c.acceptor.emplace(net::make_strand(c.ioc));
  auto fail = [&](std::string_view step) -> core::Status {
    std::string msg = std::string(step) + " " + where + ": " + ec.message();
    internal::error_code ignored;
    c.acceptor->close(ignored);
    c.acceptor.reset();
    return core::MakeError(core::ErrorCode::kUnavailable, std::move(msg));
  };
  if (c.acceptor->open(endpoint.protocol(), ec)) return fail("open");
  if (c.acceptor->set_option(net::socket_base::reuse_address(true), ec)) return fail("setsockopt");
  if (c.acceptor->bind(endpoint, ec)) return fail("bind");
  if (c.acceptor->listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
  const tcp::endpoint local = c.acceptor->local_endpoint(ec);
  if (ec) return fail("getsockname");
  c.port.store(local.port());

  c.accept_retry.emplace(c.acceptor->get_executor());
  c.work.emplace(c.ioc.get_executor());
  c.Accept();  // no io thread runs yet, so this is safely "on" the acceptor strand
  c.started = true;
  c.running_threads = o.io_threads;
  c.threads.reserve(static_cast<std::size_t>(o.io_threads));
  for (int i = 0; i < o.io_threads; ++i) {
    c.threads.emplace_back([core = core_] {
      // A throwing completion handler must not take the process down: log and keep serving.
      for (;;) {
        try {
          core->ioc.run();
          break;
        } catch (const std::exception& e) {
          LogError("io thread caught exception", e.what());
        } catch (...) {
          LogError("io thread caught exception", "unknown");
        }
      }
      std::lock_guard lock(core->mu);
      --core->running_threads;
      core->threads_changed.notify_all();
    });
  }
  return {};
}

void Server::Stop() {
  namespace net = boost::asio;
  internal::ServerCore& c = *core_;
  if (c.stop_called) return;
  c.stop_called = true;
  {
    std::lock_guard lock(c.mu);
    c.draining = true;
  }
  if (!c.started) {
    std::lock_guard lock(c.mu);
    c.closed = true;
    return;
  }

  // 1. Stop accepting.
  net::post(c.acceptor->get_executor(), [core = core_] {
    internal::error_code ec;
    core->acceptor->close(ec);
    core->accept_retry->cancel();
  });
  // 2. Graceful: idle connections close now, in-flight requests get to answer.
  for (auto& s : c.LiveSessions()) {
    net::post(s->executor(), [s] { s->BeginShutdown(); });
  }
  {
    std::unique_lock lock(c.mu);
    c.sessions_changed.wait_for(lock, c.options.shutdown_grace, [&] { return c.sessions.empty(); });
    // 3. Forced: from here on a late `done` is dropped (see Session::Deliver).
    c.closed = true;
  }
  for (auto& s : c.LiveSessions()) {
    net::post(s->executor(), [s] { s->ForceClose(); });
  }
  // 4. Let the io threads run dry: every socket is closed, so every pending operation
  // completes and nothing re-arms. Running dry (instead of io_context::stop) matters: it leaves
  // no handler queued that would keep a session alive forever.
  c.work.reset();
  {
    std::unique_lock lock(c.mu);
    if (!c.threads_changed.wait_for(lock, internal::kJoinFallback,
                                    [&] { return c.running_threads == 0; })) {
      LogError("stop", "io threads did not finish; aborting the io_context");
      c.ioc.stop();
    }
  }
  for (auto& t : c.threads) t.join();
  c.threads.clear();
}

}  // namespace leadgate::http

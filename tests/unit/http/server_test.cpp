// http::Server against real sockets on 127.0.0.1 (ephemeral port), with a test Handler.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/test_util.hpp"

namespace leadgate::http {
namespace {

using namespace std::chrono_literals;
using leadgate::testing::ClientRequest;
using leadgate::testing::HttpClient;
namespace bhttp = boost::beast::http;

constexpr std::string_view kTooLarge = R"({"error":"Request body too large"})";
constexpr std::string_view kBadRequest = R"({"error":"Bad request"})";
constexpr std::string_view kHeaderTooLarge = R"({"error":"Request header fields too large"})";
constexpr std::string_view kInternal = R"({"error":"Internal server error"})";

// Routes by target:
//   /throw  -> throws from Handle
//   /fixed  -> 200 "fixed body"
//   /close  -> echo, but the response asks to close the connection
//   /twice  -> calls done twice
//   /slow   -> calls done from another thread after slow_delay
//   else    -> 200 echo of the request body, with X-Method / X-Version
class TestHandler : public Handler {
 public:
  ~TestHandler() override {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  void Handle(Request&& req, std::function<void(Response&&)> done) override {
    ++requests;
    const std::string target(req.target());
    if (target == "/throw") throw std::runtime_error("handler failure");
    Response res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::content_type, "text/plain");
    res.set("X-Method", std::string(req.method_string()));
    res.set("X-Version", std::to_string(req.version()));
    if (target == "/fixed") {
      res.body() = "fixed body";
    } else {
      res.body() = std::move(req.body());
    }
    if (target == "/close") res.keep_alive(false);
    if (target == "/twice") {
      Response copy = res;
      done(std::move(copy));
      done(std::move(res));
      return;
    }
    if (target == "/slow") {
      std::lock_guard lock(mu_);
      ++slow_started_;
      cv_.notify_all();
      threads_.emplace_back([done = std::move(done), r = std::move(res), d = slow_delay]() mutable {
        std::this_thread::sleep_for(d);
        done(std::move(r));
      });
      return;
    }
    done(std::move(res));
  }

  bool WaitForSlowRequests(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return slow_started_ >= n; });
  }

  std::atomic<int> requests{0};
  std::chrono::milliseconds slow_delay{300};

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int slow_started_ = 0;
  std::vector<std::thread> threads_;
};

ServerOptions TestOptions() {
  ServerOptions o;
  o.port = 0;
  o.io_threads = 2;
  return o;
}

std::string Chunked(std::string_view body, std::size_t chunk) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    const std::string_view part = body.substr(i, chunk);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out.append(size).append(part).append("\r\n");
  }
  out.append("0\r\n\r\n");
  return out;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = TestOptions()) {
    server_ = std::make_unique<Server>(std::move(options), handler_);
    ASSERT_OK(server_->Start());
    ASSERT_NE(server_->port(), 0);
  }
  void Connect(HttpClient& c) { ASSERT_OK(c.Connect(server_->port())); }

  // Must be declared before server_: the server is destroyed first.
  TestHandler handler_;
  std::unique_ptr<Server> server_;
};

TEST_F(HttpServerTest, EchoReturns200WithContentLengthAndServerHeader) {
  StartServer();
  HttpClient c;
  Connect(c);
  auto r = c.Send("POST", "/echo", {{"Content-Type", "text/plain"}}, "hello");
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->Header("Content-Length"), "5");
  EXPECT_EQ(r->Header("Server"), "leadgate");
  EXPECT_EQ(r->Header("X-Method"), "POST");
  EXPECT_TRUE(r->keep_alive);
}

TEST_F(HttpServerTest, KeepAliveServesThreeRequestsOnOneConnection) {
  StartServer();
  HttpClient c;
  Connect(c);
  for (int i = 0; i < 3; ++i) {
    auto r = c.Send("POST", "/echo", {}, "request " + std::to_string(i));
    ASSERT_OK(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "request " + std::to_string(i));
  }
  EXPECT_EQ(handler_.requests.load(), 3);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  HttpClient c;
  Connect(c);
  // The first one is slow (answered from another thread): the second must still come second.
  ClientRequest first{.method = "POST", .target = "/slow", .headers = {}, .body = "first"};
  ClientRequest second{.method = "POST", .target = "/echo", .headers = {}, .body = "second"};
  ASSERT_OK(c.SendRaw(HttpClient::Serialize(first) + HttpClient::Serialize(second)));
  auto r1 = c.ReadResponse();
  ASSERT_OK(r1);
  auto r2 = c.ReadResponse();
  ASSERT_OK(r2);
  EXPECT_EQ(r1->body, "first");
  EXPECT_EQ(r2->body, "second");
}

TEST_F(HttpServerTest, BodyExactlyAtTheLimitIsAccepted) {
  ServerOptions o = TestOptions();
  o.body_limit = 1 << 20;
  StartServer(o);
  HttpClient c;
  Connect(c);
  const std::string body(1 << 20, 'a');
  auto r = c.Send("POST", "/echo", {}, body);
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), body.size());
  EXPECT_TRUE(r->keep_alive);
}

TEST_F(HttpServerTest, ContentLengthOverTheLimitIs413BeforeTheBodyAndCloses) {
  ServerOptions o = TestOptions();
  o.body_limit = 1 << 20;
  StartServer(o);
  HttpClient c;
  Connect(c);
  // Only the header: the server must answer without waiting for the body.
  ASSERT_OK(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, kTooLarge);
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c.WaitForClose(5s));
  EXPECT_EQ(handler_.requests.load(), 0);
}

TEST_F(HttpServerTest, NineMebibyteBodyAgainstDefaultLimitIs413) {
  StartServer();  // default body_limit: 8 MiB
  HttpClient c;
  Connect(c);
  auto r =
      c.Send("POST", "/echo", {{"Content-Type", "application/json"}}, std::string(9 << 20, 'x'));
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, kTooLarge);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_EQ(handler_.requests.load(), 0);
}

TEST_F(HttpServerTest, ChunkedBodyIsDecoded) {
  StartServer();
  HttpClient c;
  Connect(c);
  ClientRequest req{.method = "POST",
                    .target = "/echo",
                    .headers = {{"Transfer-Encoding", "chunked"}},
                    .body = Chunked("hello chunked world", 5)};
  auto r = c.Send(req);
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello chunked world");
  // And the connection goes on.
  auto r2 = c.Send("POST", "/echo", {}, "after");
  ASSERT_OK(r2);
  EXPECT_EQ(r2->body, "after");
}

TEST_F(HttpServerTest, ChunkedBodyCrossingTheLimitIs413AndCloses) {
  ServerOptions o = TestOptions();
  o.body_limit = 1 << 20;
  StartServer(o);
  HttpClient c;
  Connect(c);
  ClientRequest req{.method = "POST",
                    .target = "/echo",
                    .headers = {{"Transfer-Encoding", "chunked"}},
                    .body = Chunked(std::string((1 << 20) + 1, 'b'), 600 << 10)};
  auto r = c.Send(req);
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, kTooLarge);
  EXPECT_FALSE(r->keep_alive);
  if (c.is_open()) {
    EXPECT_TRUE(c.WaitForClose(5s));
  }
  EXPECT_EQ(handler_.requests.load(), 0);
}

// Garbage gets either a 400 or a plain close, never a hang or a crash; the server goes on.
void ExpectBadRequestOrClose(HttpClient& c, std::string_view bytes) {
  ASSERT_OK(c.SendRaw(bytes));
  const auto got = c.ReceiveRaw(5s);
  EXPECT_TRUE(got.closed);
  if (!got.bytes.empty()) {
    EXPECT_TRUE(got.bytes.starts_with("HTTP/1.1 400 Bad Request\r\n")) << got.bytes;
    EXPECT_TRUE(got.bytes.ends_with(std::string("\r\n\r\n") + std::string(kBadRequest)))
        << got.bytes;
  }
}

TEST_F(HttpServerTest, TlsHelloGets400OrCloseAndServerGoesOn) {
  ServerOptions o = TestOptions();
  o.header_timeout = 1s;
  StartServer(o);
  {
    HttpClient c;
    Connect(c);
    ExpectBadRequestOrClose(c, std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
                                                " TLS hello",
                                                21));
  }
  HttpClient next;
  Connect(next);
  auto r = next.Send("POST", "/echo", {}, "still here");
  ASSERT_OK(r);
  EXPECT_EQ(r->body, "still here");
  EXPECT_EQ(handler_.requests.load(), 1);
}

TEST_F(HttpServerTest, RandomBytesGet400OrCloseAndServerGoesOn) {
  ServerOptions o = TestOptions();
  o.header_timeout = 1s;
  StartServer(o);
  std::mt19937 rng(12345);
  for (int round = 0; round < 5; ++round) {
    std::string junk(4096, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng() & 0xff);
    HttpClient c;
    Connect(c);
    ExpectBadRequestOrClose(c, junk);
  }
  HttpClient next;
  Connect(next);
  auto r = next.Send("GET", "/fixed");
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(handler_.requests.load(), 1);
}

TEST_F(HttpServerTest, MalformedContentLengthIs400AndCloses) {
  StartServer();
  HttpClient c;
  Connect(c);
  ASSERT_OK(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, kBadRequest);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c.WaitForClose(5s));
}

TEST_F(HttpServerTest, UnsupportedHttpVersionIs505) {
  StartServer();
  HttpClient c;
  Connect(c);
  ASSERT_OK(c.SendRaw("GET /fixed HTTP/2.0\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 505);
  EXPECT_EQ(r->body, R"({"error":"HTTP version not supported"})");
  EXPECT_TRUE(c.WaitForClose(5s));

  HttpClient c2;  // a malformed version is a plain 400
  Connect(c2);
  ASSERT_OK(c2.SendRaw("GET /fixed HTTP/1.x\r\nHost: x\r\n\r\n"));
  auto r2 = c2.ReadResponse();
  ASSERT_OK(r2);
  EXPECT_EQ(r2->status, 400);
  EXPECT_EQ(r2->body, kBadRequest);
  EXPECT_EQ(handler_.requests.load(), 0);
}

TEST_F(HttpServerTest, HeaderOverTheLimitIs431AndCloses) {
  StartServer();  // header_limit: 16 KiB
  HttpClient c;
  Connect(c);
  auto r = c.Send("GET", "/fixed", {{"X-Big", std::string(20000, 'a')}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->body, kHeaderTooLarge);
  EXPECT_FALSE(r->keep_alive);
  if (c.is_open()) {
    EXPECT_TRUE(c.WaitForClose(5s));
  }
  EXPECT_EQ(handler_.requests.load(), 0);
}

TEST_F(HttpServerTest, ClientStallingInTheHeaderIsDropped) {
  ServerOptions o = TestOptions();
  o.header_timeout = 200ms;
  StartServer(o);
  HttpClient c;
  Connect(c);
  ASSERT_OK(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\n"));  // ...and nothing more
  const auto got = c.ReceiveRaw(5s);
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(got.bytes, "");
  EXPECT_EQ(handler_.requests.load(), 0);
}

TEST_F(HttpServerTest, ClientStallingInTheBodyIsDropped) {
  ServerOptions o = TestOptions();
  o.body_timeout = 200ms;
  StartServer(o);
  HttpClient c;
  Connect(c);
  ASSERT_OK(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten.."));
  const auto got = c.ReceiveRaw(5s);
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(got.bytes, "");
  EXPECT_EQ(handler_.requests.load(), 0);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions o = TestOptions();
  o.idle_timeout = 200ms;
  StartServer(o);
  HttpClient c;
  Connect(c);
  ASSERT_OK(c.Send("GET", "/fixed"));
  EXPECT_TRUE(c.WaitForClose(5s));
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveGetsA10ResponseAndClose) {
  StartServer();
  HttpClient c;
  Connect(c);
  auto r = c.Send(ClientRequest{
      .method = "POST", .target = "/echo", .headers = {}, .body = "old", .version = 10});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->version, 10u);
  EXPECT_EQ(r->body, "old");
  EXPECT_EQ(r->Header("Content-Length"), "3");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c.WaitForClose(5s));
}

TEST_F(HttpServerTest, Http10WithKeepAliveStaysOpen) {
  StartServer();
  HttpClient c;
  Connect(c);
  for (int i = 0; i < 2; ++i) {
    auto r = c.Send(ClientRequest{.method = "GET",
                                  .target = "/fixed",
                                  .headers = {{"Connection", "keep-alive"}},
                                  .body = "",
                                  .version = 10});
    ASSERT_OK(r);
    EXPECT_EQ(r->version, 10u);
    EXPECT_EQ(r->body, "fixed body");
    EXPECT_TRUE(r->keep_alive);
  }
}

TEST_F(HttpServerTest, ConnectionCloseFromClientOrHandlerIsRespected) {
  StartServer();
  {
    HttpClient c;
    Connect(c);
    auto r = c.Send("GET", "/fixed", {{"Connection", "close"}});
    ASSERT_OK(r);
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(c.WaitForClose(5s));
  }
  {
    HttpClient c;
    Connect(c);
    auto r = c.Send("GET", "/close");
    ASSERT_OK(r);
    EXPECT_FALSE(r->keep_alive);
    EXPECT_TRUE(c.WaitForClose(5s));
  }
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndTheConnectionGoesOn) {
  StartServer();
  HttpClient c;
  Connect(c);
  auto r = c.Send("GET", "/throw");
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, kInternal);
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  auto r2 = c.Send("POST", "/echo", {}, "next");
  ASSERT_OK(r2);
  EXPECT_EQ(r2->body, "next");
}

TEST_F(HttpServerTest, SecondDoneCallIsIgnored) {
  StartServer();
  HttpClient c;
  Connect(c);
  auto r = c.Send("POST", "/twice", {}, "once");
  ASSERT_OK(r);
  EXPECT_EQ(r->body, "once");
  auto r2 = c.Send("POST", "/echo", {}, "next");
  ASSERT_OK(r2);
  EXPECT_EQ(r2->body, "next");
}

TEST_F(HttpServerTest, HeadGetsContentLengthButNoBody) {
  StartServer();
  HttpClient c;
  Connect(c);
  auto r = c.Send("HEAD", "/fixed");
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Length"), "10");
  EXPECT_EQ(r->body, "");
  auto r2 = c.Send("GET", "/fixed");  // framing intact
  ASSERT_OK(r2);
  EXPECT_EQ(r2->body, "fixed body");
}

TEST_F(HttpServerTest, Expect100ContinueIsHonoured) {
  StartServer();
  HttpClient c;
  Connect(c);
  ASSERT_OK(c.SendRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  auto interim = c.ReadResponse();
  ASSERT_OK(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_OK(c.SendRaw("body"));
  auto r = c.ReadResponse();
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "body");
}

TEST_F(HttpServerTest, Expect100ContinueOverTheLimitGets413Only) {
  ServerOptions o = TestOptions();
  o.body_limit = 1000;
  StartServer(o);
  HttpClient c;
  Connect(c);
  ASSERT_OK(c.SendRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, kTooLarge);
}

TEST_F(HttpServerTest, StartFailsWhenThePortIsTaken) {
  StartServer();
  TestHandler other_handler;
  ServerOptions o = TestOptions();
  o.port = server_->port();
  Server other(o, other_handler);
  auto st = other.Start();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(server_->Start().error().code, core::ErrorCode::kFailedPrecondition);
}

TEST_F(HttpServerTest, StopLetsAnInFlightRequestFinish) {
  StartServer();
  handler_.slow_delay = 300ms;
  core::Result<leadgate::testing::ClientResponse> result =
      core::MakeError(core::ErrorCode::kInternal, "not run");
  std::thread client([&] {
    HttpClient c;
    if (c.Connect(server_->port())) result = c.Send("POST", "/slow", {}, "in flight");
  });
  ASSERT_TRUE(handler_.WaitForSlowRequests(1));
  server_->Stop();  // waits (up to shutdown_grace) for the slow answer
  client.join();
  ASSERT_OK(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "in flight");
  EXPECT_FALSE(result->keep_alive);
  server_->Stop();  // idempotent
  HttpClient late;
  EXPECT_FALSE(late.Connect(server_->port()).has_value());
}

TEST_F(HttpServerTest, DoneAfterStopAndAfterDestructionIsSafe) {
  ServerOptions o = TestOptions();
  o.shutdown_grace = 0ms;
  StartServer(o);
  handler_.slow_delay = 300ms;
  bool answered = true;
  std::thread client([&] {
    HttpClient c;
    if (c.Connect(server_->port())) answered = c.Send("POST", "/slow", {}, "dropped").has_value();
  });
  ASSERT_TRUE(handler_.WaitForSlowRequests(1));
  server_->Stop();  // does not wait: grace is 0
  server_.reset();  // done() arrives ~300 ms later, into a destroyed Server
  client.join();
  EXPECT_FALSE(answered);
  // ~TestHandler joins the thread that calls done(); ASan/LSan builds check the aftermath.
}

TEST_F(HttpServerTest, ManyConcurrentClients) {
  StartServer();
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      HttpClient c;
      if (!c.Connect(server_->port())) return;
      for (int i = 0; i < 50; ++i) {
        const std::string body(300 << 10, static_cast<char>('a' + t));
        auto r = c.Send("POST", "/echo", {}, body);
        if (r && r->status == 200 && r->body == body) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 200);
}

}  // namespace
}  // namespace leadgate::http

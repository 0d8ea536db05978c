// The HTTP edge against a real socket: every failure is answered with problem+json, and the
// server keeps answering afterwards.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "http/api_error.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "workflow/domain_error.hpp"

using namespace cxloop;

namespace {

struct Reply {
  int status = 0;
  std::string content_type;
  std::string body;
  std::string request_id;
  std::string allow;
};

// A server on an ephemeral loopback port with a few routes that behave in known ways.
struct TestServer {
  http::Router router;
  metrics::Registry metrics;
  std::unique_ptr<http::HttpServer> server;

  explicit TestServer(std::size_t max_body = 1024) {
    router.add("GET", "/ok",
               [](http::HttpRequest&) { return http::HttpResponse::json(200, R"({"ok":true})"); });
    router.add("POST", "/echo",
               [](http::HttpRequest& r) { return http::HttpResponse::text(200, r.body); });
    router.add("GET", "/items/{id}", [](http::HttpRequest& r) {
      nlohmann::json out = {{"id", r.params.at("id")},
                            {"q", r.query_param("q").value_or("")},
                            {"h", r.header("x-custom").value_or("")}};
      return http::HttpResponse::json(200, out.dump());
    });
    router.add("GET", "/throw", [](http::HttpRequest&) -> http::HttpResponse {
      throw std::runtime_error("secret internal detail");
    });
    router.add("GET", "/throw-int", [](http::HttpRequest&) -> http::HttpResponse { throw 42; });
    router.add("GET", "/api-error", [](http::HttpRequest&) -> http::HttpResponse {
      throw http::ApiError::conflict("already there", "/name");
    });
    router.add("GET", "/domain", [](http::HttpRequest&) -> http::HttpResponse {
      throw workflow::DomainError(workflow::ErrorKind::stale_revision, "re-read the case",
                                  "/revision");
    });
    config::HttpConfig config;
    config.port = 0;
    config.threads = 4;
    config.queue = 16;
    config.max_body_bytes = max_body;
    server = std::make_unique<http::HttpServer>(config, router, metrics);
    server->start();
  }
  ~TestServer() { server->stop(); }
};

Reply call(Poco::Net::HTTPClientSession& session, const std::string& method, const std::string& uri,
           const std::string& body = {}, bool chunked = false,
           const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPRequest request(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (chunked) {
    request.setChunkedTransferEncoding(true);
  } else if (!body.empty() || method == "POST") {
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  std::ostream& out = session.sendRequest(request);
  out << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply reply;
  reply.status = response.getStatus();
  reply.content_type = response.getContentType();
  reply.request_id = response.get("X-Request-Id", "");
  reply.allow = response.get("Allow", "");
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

}  // namespace

TEST_CASE("The server binds an ephemeral port and answers a route with an X-Request-Id") {
  TestServer t;
  REQUIRE(t.server->port() != 0);
  Poco::Net::HTTPClientSession session("127.0.0.1", t.server->port());
  auto reply = call(session, "GET", "/ok");
  CHECK(reply.status == 200);
  CHECK(reply.content_type == "application/json");
  CHECK(reply.body == R"({"ok":true})");
  CHECK_FALSE(reply.request_id.empty());
}

TEST_CASE("Path captures, decoded query parameters and lower-cased headers reach the handler") {
  TestServer t;
  Poco::Net::HTTPClientSession session("127.0.0.1", t.server->port());
  auto reply = call(session, "GET", "/items/abc?q=a%20b&q=last", {}, false, {{"X-Custom", "v"}});
  REQUIRE(reply.status == 200);
  auto body = nlohmann::json::parse(reply.body);
  CHECK(body["id"] == "abc");
  CHECK(body["q"] == "last");
  CHECK(body["h"] == "v");
}

TEST_CASE(
    "A body over the cap by Content-Length is refused with 413 and the server still answers") {
  TestServer t(1024);
  Poco::Net::HTTPClientSession session("127.0.0.1", t.server->port());
  auto reply = call(session, "POST", "/echo", std::string(8000, 'x'));
  CHECK(reply.status == 413);
  CHECK(reply.content_type == "application/problem+json");
  auto problem = nlohmann::json::parse(reply.body);
  CHECK(problem["type"] == "https://cxloop.dev/problems/body-too-large");
  CHECK(problem["detail"].get<std::string>().find("http.max_body_bytes") != std::string::npos);
  // The same client session goes on (Poco reconnects after Connection: close).
  auto next = call(session, "POST", "/echo", "small");
  CHECK(next.status == 200);
  CHECK(next.body == "small");
}

TEST_CASE("A chunked body over the cap is refused with 413 while it is read") {
  TestServer t(1024);
  Poco::Net::HTTPClientSession session("127.0.0.1", t.server->port());
  auto reply = call(session, "POST", "/echo", std::string(5000, 'y'), true);
  CHECK(reply.status == 413);
  auto ok = call(session, "POST", "/echo", std::string(1024, 'z'), true);
  CHECK(ok.status == 200);
  CHECK(ok.body.size() == 1024);
}

TEST_CASE("A handler that throws gets a 500 problem+json without its internal message") {
  TestServer t;
  Poco::Net::HTTPClientSession session("127.0.0.1", t.server->port());
  for (const char* path : {"/throw", "/throw-int"}) {
    auto reply = call(session, "GET", path);
    CHECK(reply.status == 500);
    CHECK(reply.content_type == "application/problem+json");
    auto problem = nlohmann::json::parse(reply.body);
    CHECK(problem["status"] == 500);
    CHECK(problem["instance"] == path);
    CHECK(reply.body.find("secret internal detail") == std::string::npos);
    CHECK(problem["detail"].get<std::string>().find(reply.request_id) != std::string::npos);
  }
  CHECK(call(session, "GET", "/ok").status == 200);  // same keep-alive connection still works
}

TEST_CASE("ApiError and DomainError thrown by handlers keep their status and field") {
  TestServer t;
  Poco::Net::HTTPClientSession session("127.0.0.1", t.server->port());
  auto conflict = call(session, "GET", "/api-error");
  CHECK(conflict.status == 409);
  CHECK(nlohmann::json::parse(conflict.body)["field"] == "/name");
  auto stale = call(session, "GET", "/domain");
  CHECK(stale.status == 412);
  auto problem = nlohmann::json::parse(stale.body);
  CHECK(problem["type"] == "https://cxloop.dev/problems/stale-revision");
  CHECK(problem["field"] == "/revision");
}

TEST_CASE("Unknown paths get 404 and known paths with another method get 405 with Allow") {
  TestServer t;
  Poco::Net::HTTPClientSession session("127.0.0.1", t.server->port());
  auto missing = call(session, "GET", "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.content_type == "application/problem+json");
  auto wrong = call(session, "DELETE", "/ok");
  CHECK(wrong.status == 405);
  CHECK(wrong.allow == "GET");
}

TEST_CASE("Requests are counted by route pattern, method and status") {
  TestServer t;
  Poco::Net::HTTPClientSession session("127.0.0.1", t.server->port());
  call(session, "GET", "/items/1");
  call(session, "GET", "/items/2");
  call(session, "GET", "/nope");
  auto text = t.metrics.render();
  INFO(text);
  CHECK(text.find(
            "cxloop_http_requests_total{method=\"GET\",route=\"/items/{id}\",status=\"200\"} 2") !=
        std::string::npos);
  CHECK(text.find(
            "cxloop_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1") !=
        std::string::npos);
  CHECK(text.find("cxloop_http_request_duration_seconds_count{route=\"/items/{id}\"} 2") !=
        std::string::npos);
  CHECK(text.find("cxloop_http_max_threads 4") != std::string::npos);
  CHECK(text.find("cxloop_http_connections ") != std::string::npos);
}

TEST_CASE("Binding an address that is already in use fails with a message naming it") {
  TestServer t;
  config::HttpConfig config;
  config.port = t.server->port();
  http::Router router;
  metrics::Registry metrics;
  http::HttpServer second(config, router, metrics);
  try {
    second.start();
    FAIL("expected the second bind to fail");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(t.server->port())) !=
          std::string::npos);
  }
}

TEST_CASE("stop() lets a request in flight finish before closing") {
  http::Router router;
  metrics::Registry metrics;
  std::mutex gate;
  std::unique_lock<std::mutex> hold(gate);
  std::atomic<bool> entered{false};
  router.add("GET", "/slow", [&](http::HttpRequest&) {
    entered = true;
    std::lock_guard<std::mutex> wait(gate);
    return http::HttpResponse::text(200, "done");
  });
  config::HttpConfig config;
  config.port = 0;
  http::HttpServer server(config, router, metrics);
  server.start();
  Reply reply;
  std::thread client([&] {
    Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
    reply = call(session, "GET", "/slow");
  });
  while (!entered) std::this_thread::yield();
  std::thread stopper([&] { server.stop(std::chrono::seconds(30)); });
  hold.unlock();  // the handler may finish now; stop() must have waited for it
  stopper.join();
  client.join();
  CHECK(reply.status == 200);
  CHECK(reply.body == "done");
}

TEST_CASE("A POST with neither Content-Length nor a body is answered at once, with an empty body") {
  TestServer t;
  // Raw, because Poco's client always frames a POST. The server's receive timeout is 30 s;
  // the client gives up after 5 s, so a server that waits for a body fails this test.
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", t.server->port()));
  socket.setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string request = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  std::string answer;
  char buffer[1024];
  for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(answer.find("\r\n\r\n") == answer.size() - 4);  // the echo of an empty body
}

#include "http/http_server.hpp"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>

#include "http/api_error.hpp"
#include "http/problem_response.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "workflow/domain_error.hpp"

namespace cxloop::http {

namespace {

// After answering 413 the server reads and discards up to this much of the rejected body
// before closing, so that a client still sending it gets the answer instead of a reset.
constexpr std::size_t kDiscardAfterRejectBytes = 256 * 1024;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string new_request_id() {
  static std::atomic<std::uint64_t> counter{0};
  static const std::uint64_t start =
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%012llx-%06llx",
                static_cast<unsigned long long>(start & 0xffffffffffffULL),
                static_cast<unsigned long long>(++counter));
  return buffer;
}

// Outcome of reading a request body under the cap.
enum class BodyRead { ok, too_large };

BodyRead read_body(std::istream& in, std::size_t cap, std::string& body) {
  char buffer[8192];
  while (in) {
    in.read(buffer, sizeof buffer);
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    if (body.size() + static_cast<std::size_t>(got) > cap) return BodyRead::too_large;
    body.append(buffer, static_cast<std::size_t>(got));
  }
  return BodyRead::ok;
}

void discard(std::istream& in, std::size_t limit) {
  char buffer[8192];
  std::size_t total = 0;
  try {
    while (in && total < limit) {
      in.read(buffer, sizeof buffer);
      if (in.gcount() <= 0) break;
      total += static_cast<std::size_t>(in.gcount());
    }
  } catch (...) {
    // The client may already have gone; nothing left to protect.
  }
}

}  // namespace

struct HttpServer::Impl {
  config::HttpConfig config;
  Router& router;
  metrics::Registry& metrics;
  Poco::Logger& log = Poco::Logger::get("cxloop.http");
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::uint16_t bound_port = 0;
  std::atomic<int> in_flight{0};
  bool stopped = false;

  Impl(const config::HttpConfig& c, Router& r, metrics::Registry& m)
      : config(c), router(r), metrics(m) {}

  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
  HttpResponse dispatch(Poco::Net::HTTPServerRequest& in, HttpRequest& request,
                        std::string& route_name, const std::string& request_id, bool& close);
  void send(Poco::Net::HTTPServerResponse& out, const HttpResponse& response,
            const std::string& request_id, bool close);
};

namespace {

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(HttpServer::Impl& impl) : impl_(impl) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    impl_.handle(request, response);
  }

 private:
  HttpServer::Impl& impl_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(HttpServer::Impl& impl) : impl_(impl) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(impl_);
  }

 private:
  HttpServer::Impl& impl_;
};

}  // namespace

HttpResponse HttpServer::Impl::dispatch(Poco::Net::HTTPServerRequest& in, HttpRequest& request,
                                        std::string& route_name, const std::string& request_id,
                                        bool& close) {
  request.method = in.getMethod();
  request.remote_addr = in.clientAddress().toString();
  for (const auto& [name, value] : in) request.headers[lower(name)] = value;
  std::string instance = in.getURI();
  try {
    Poco::URI uri(in.getURI());
    request.path = uri.getPath();
    instance = request.path;
    for (const auto& [name, value] : uri.getQueryParameters()) request.query[name] = value;
  } catch (const Poco::Exception& e) {
    return problem_response(ApiError::bad_request("the request URI is malformed: " + e.message()),
                            instance);
  }

  // Oversized bodies are refused before they are buffered: by Content-Length up front, or
  // while counting a chunked body. The connection is closed afterwards because the rest of
  // the body is left unread.
  const std::size_t cap = config.max_body_bytes;
  const auto too_large = [&] {
    close = true;
    return problem_response(
        ApiError(413, "body-too-large",
                 "the request body is larger than the server accepts (" + std::to_string(cap) +
                     " bytes); send less or raise http.max_body_bytes in the server config"),
        instance);
  };
  RouteMatch match = router.match(request);
  if (match.route != nullptr && match.route->streaming) {
    // The handler reads the body itself; whatever it leaves unread ends the connection.
    request.body_stream = &in.stream();
    close = true;
  } else {
    if (in.hasContentLength() && in.getContentLength64() > static_cast<Poco::Int64>(cap)) {
      return too_large();
    }
    // A request with neither Content-Length nor chunked encoding has no body (RFC 9112
    // 6.3); reading one would wait for the client to close (a plain `curl -X POST`).
    const bool has_body = in.hasContentLength() || in.getChunkedTransferEncoding();
    if (has_body && read_body(in.stream(), cap, request.body) == BodyRead::too_large) {
      return too_large();
    }
  }
  if (match.route == nullptr) {
    if (match.path_matched) {
      std::string allow;
      for (const auto& method : match.allowed) allow += (allow.empty() ? "" : ", ") + method;
      auto response = problem_response(
          ApiError(405, "method-not-allowed",
                   request.method + " is not supported on " + request.path + "; use " + allow),
          instance);
      response.headers["allow"] = allow;
      return response;
    }
    return problem_response(ApiError::not_found("no resource at " + request.path +
                                                "; see the API reference for valid paths"),
                            instance);
  }
  route_name = match.route->pattern;
  try {
    HttpResponse response = match.route->handler(request);
    if (!response.body.empty() && response.headers.count("content-type") == 0) {
      response.headers["content-type"] = "application/json";
    }
    return response;
  } catch (const ApiError& e) {
    return problem_response(e, instance);
  } catch (const workflow::DomainError& e) {
    return problem_response(to_api_error(e), instance);
  } catch (const std::exception& e) {
    log.error("request " + request_id + " " + request.method + " " + request.path +
              " failed: " + e.what());
  } catch (...) {
    log.error("request " + request_id + " " + request.method + " " + request.path +
              " failed with an unknown exception");
  }
  return problem_response(ApiError(500, "internal",
                                   "the server failed to handle this request; report request id " +
                                       request_id + " to the operator"),
                          instance);
}

void HttpServer::Impl::send(Poco::Net::HTTPServerResponse& out, const HttpResponse& response,
                            const std::string& request_id, bool close) {
  out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
  for (const auto& [name, value] : response.headers) out.set(name, value);
  out.set("X-Request-Id", request_id);
  if (close) out.setKeepAlive(false);
  out.setContentLength(static_cast<std::streamsize>(response.body.size()));
  std::ostream& stream = out.send();
  stream.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
  stream.flush();
}

void HttpServer::Impl::handle(Poco::Net::HTTPServerRequest& in,
                              Poco::Net::HTTPServerResponse& out) {
  ++in_flight;
  const auto started = std::chrono::steady_clock::now();
  const std::string request_id = new_request_id();
  std::string route_name = "unmatched";
  HttpRequest request;
  bool close = false;
  HttpResponse response;
  try {
    // Poco has one socket timeout for both directions; the send side gets its own here.
    static_cast<Poco::Net::HTTPServerRequestImpl&>(in).socket().setSendTimeout(
        Poco::Timespan(static_cast<long>(config.send_timeout.count()), 0));
    response = dispatch(in, request, route_name, request_id, close);
  } catch (const std::exception& e) {
    // Reading the request itself failed (client reset, malformed chunking).
    log.warning("request " + request_id + " could not be read: " + e.what());
    close = true;
    response = problem_response(
        ApiError::bad_request("the request could not be read: " + std::string(e.what())),
        request.path);
  }
  // Recorded before the response leaves, so a client that has its answer also sees it counted.
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string method = request.method.empty() ? in.getMethod() : request.method;
  metrics.counter_add(
      "cxloop_http_requests_total", "HTTP requests answered, by route pattern",
      {{"route", route_name}, {"method", method}, {"status", std::to_string(response.status)}});
  metrics.observe("cxloop_http_request_duration_seconds",
                  "Time from reading a request to sending its response, by route pattern",
                  {{"route", route_name}}, seconds);
  try {
    send(out, response, request_id, close);
    if (close) discard(in.stream(), kDiscardAfterRejectBytes);
  } catch (const std::exception& e) {
    log.warning("response to request " + request_id + " could not be sent: " + e.what());
  }
  --in_flight;
}

HttpServer::HttpServer(const config::HttpConfig& config, Router& router, metrics::Registry& metrics)
    : impl_(std::make_unique<Impl>(config, router, metrics)) {}

HttpServer::~HttpServer() {
  stop();
  if (impl_->server) {
    // The registry outlives this server; its connection gauges must not read a dead one.
    const auto nothing = [] { return std::vector<std::pair<metrics::Labels, double>>{}; };
    for (const char* name : {"cxloop_http_connections", "cxloop_http_queued_connections",
                             "cxloop_http_refused_connections_total", "cxloop_http_threads",
                             "cxloop_http_max_threads"}) {
      impl_->metrics.gauge_callback(name, "", nothing);
    }
  }
}

void HttpServer::start() {
  auto& c = impl_->config;
  Poco::Net::ServerSocket socket;
  try {
    // SO_REUSEADDR for quick restarts, but not SO_REUSEPORT: a second server on the same
    // port must fail instead of silently sharing its connections.
    socket.bind(Poco::Net::SocketAddress(c.listen, static_cast<Poco::UInt16>(c.port)), true, false);
    socket.listen(c.queue);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + c.listen + ":" + std::to_string(c.port) + ": " +
                             e.displayText() +
                             "; change http.listen / http.port in the server config");
  }
  impl_->bound_port = socket.address().port();

  auto params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(c.threads);
  params->setMaxQueued(c.queue);
  params->setKeepAlive(c.keep_alive);
  params->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(c.keep_alive_timeout.count()), 0));
  params->setMaxKeepAliveRequests(c.max_keep_alive_requests);
  params->setTimeout(Poco::Timespan(static_cast<long>(c.receive_timeout.count()), 0));
  params->setServerName("cxloop");

  // An own pool, so plugin or library code using Poco's default pool never starves the edge.
  impl_->pool = std::make_unique<Poco::ThreadPool>(std::min(2, c.threads), c.threads);
  impl_->server = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(*impl_), *impl_->pool,
                                                          socket, params);

  Poco::Net::HTTPServer* server = impl_->server.get();
  auto& m = impl_->metrics;
  const auto read = [server](int (Poco::Net::TCPServer::*getter)() const) {
    return [server, getter] {
      return std::vector<std::pair<metrics::Labels, double>>{
          {{}, static_cast<double>((server->*getter)())}};
    };
  };
  m.gauge_callback("cxloop_http_connections", "Connections being served now",
                   read(&Poco::Net::TCPServer::currentConnections));
  m.gauge_callback("cxloop_http_queued_connections", "Accepted connections waiting for a thread",
                   read(&Poco::Net::TCPServer::queuedConnections));
  // Poco counts refusals itself; read at scrape time, so a gauge that only ever grows.
  m.gauge_callback("cxloop_http_refused_connections_total",
                   "Connections refused because the queue was full, since start",
                   read(&Poco::Net::TCPServer::refusedConnections));
  m.gauge_callback("cxloop_http_threads", "HTTP threads running now",
                   read(&Poco::Net::TCPServer::currentThreads));
  m.gauge_callback("cxloop_http_max_threads", "Most HTTP threads (http.threads)",
                   read(&Poco::Net::TCPServer::maxThreads));
  impl_->server->start();
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

void HttpServer::stop(std::chrono::milliseconds drain_timeout) {
  if (!impl_->server || impl_->stopped) return;
  impl_->stopped = true;
  auto* server = impl_->server.get();
  server->stop();  // no new connections
  // Let requests in flight finish. The wait polls because Poco offers no completion signal.
  const auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool drained = impl_->in_flight.load() == 0;
  if (!drained) {
    impl_->log.warning(std::to_string(impl_->in_flight.load()) +
                       " requests still running after the drain timeout; closing them");
  }
  // Closes idle keep-alive connections; aborts the stragglers when the drain timed out.
  server->stopAll(!drained);
  while (server->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->pool->joinAll();
}

}  // namespace cxloop::http

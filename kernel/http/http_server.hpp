// The HTTP edge: a Poco HTTPServer with its own thread pool that turns every request into an
// HttpRequest, dispatches it through the Router and always answers, with problem+json for
// every failure (oversized body, unknown route, handler exception). Records request metrics.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "config/config.hpp"

namespace cxloop::metrics {
class Registry;
}

namespace cxloop::http {

class Router;

class HttpServer {
 public:
  // router and metrics must outlive the server. Routes may still be added until start().
  HttpServer(const config::HttpConfig& config, Router& router, metrics::Registry& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds listen:port and starts accepting. Throws std::runtime_error naming the address when
  // the socket cannot be bound.
  void start();
  // The bound port (the ephemeral one when the config asked for port 0); 0 before start().
  std::uint16_t port() const;
  // Stops accepting, waits up to drain_timeout for requests in flight to finish, then closes
  // every connection. Safe to call twice.
  void stop(std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));

  struct Impl;  // public only so that the Poco handler classes in the .cpp can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxloop::http

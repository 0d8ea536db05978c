// A real HTTP server standing in for an SMS gateway's API: it listens on 127.0.0.1 port 0,
// records every request it receives and answers with a message id (or with the status a test
// sets, to play a refusing or failing gateway).
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cxloop::testing {

struct GatewayRequest {
  std::string method;
  std::string uri;
  std::map<std::string, std::string> headers;  // as sent
  std::string body;
};

class GatewayReceiver {
 public:
  // port 0 picks a free port; a test that stops a gateway and starts it again passes the
  // port the first one had.
  explicit GatewayReceiver(std::uint16_t port = 0)
      : state_(std::make_shared<State>()),
        server_(new Factory(state_),
                Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", port)),
                new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~GatewayReceiver() { server_.stopAll(true); }

  std::uint16_t port() const { return server_.port(); }
  std::string url(const std::string& path = "/v1/messages") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  std::vector<GatewayRequest> requests() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->requests;
  }
  // The HTTP status later requests are answered with (200 by default), and optionally the
  // body (by default a gateway's message id, or an error document for a failing status).
  void answer_with(int status, std::string body = std::string()) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->status = status;
    state_->body = std::move(body);
  }

 private:
  struct State {
    mutable std::mutex mutex;
    std::vector<GatewayRequest> requests;
    std::atomic<int> status{200};
    std::string body;  // guarded by mutex
  };

  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(std::shared_ptr<State> state) : state_(std::move(state)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      GatewayRequest recorded;
      recorded.method = request.getMethod();
      recorded.uri = request.getURI();
      for (const auto& [name, value] : request) recorded.headers[name] = value;
      Poco::StreamCopier::copyToString(request.stream(), recorded.body);
      std::size_t number;
      std::string body;
      {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->requests.push_back(recorded);
        number = state_->requests.size();
        body = state_->body;
      }
      const int status = state_->status;
      if (body.empty()) {
        body = status < 300 ? "{\"sid\":\"SM" + std::to_string(number) + "\"}"
                            : std::string("{\"error\":\"refused by test\"}");
      }
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
      response.setContentType("application/json");
      response.send() << body;
    }

   private:
    std::shared_ptr<State> state_;
  };

  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(std::shared_ptr<State> state) : state_(std::move(state)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(state_);
    }

   private:
    std::shared_ptr<State> state_;
  };

  std::shared_ptr<State> state_;
  Poco::Net::HTTPServer server_;
};

}  // namespace cxloop::testing

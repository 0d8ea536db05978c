#include "chat_server.hpp"

#include <algorithm>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include "chat_hub.hpp"
#include "chat_session.hpp"
#include "chat_widget.hpp"
#include "conversation_store.hpp"

namespace cxloop::plugins::chat {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

void send_text(HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
               const std::string& content_type, const std::string& body) {
  response.setStatus(status);
  response.setContentType(content_type);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.set("Cache-Control", "no-store");
  response.send() << body;
}

class WidgetHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit WidgetHandler(const ChatSettings& settings) : settings_(settings) {}
  void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override {
    response.set("Content-Security-Policy",
                 "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                 "connect-src 'self' ws: wss:");
    send_text(response, HTTPResponse::HTTP_OK, "text/html; charset=utf-8",
              chat_widget_html(settings_.title));
  }

 private:
  const ChatSettings& settings_;
};

class SocketHandler : public Poco::Net::HTTPRequestHandler {
 public:
  SocketHandler(sdk::Host host, const ChatSettings& settings, const ConversationStore& store,
                ChatHub& hub)
      : host_(host), settings_(settings), store_(store), hub_(hub) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    if (!origin_allowed(request.get("Origin", ""))) {
      send_text(response, HTTPResponse::HTTP_FORBIDDEN, "text/plain; charset=utf-8",
                "this page's origin may not open the chat; add it to the chat instance's "
                "allowed_origins setting\n");
      return;
    }
    std::shared_ptr<ChatSession> session;
    try {
      Poco::Net::WebSocket socket(request, response);
      session = std::make_shared<ChatSession>(socket, host_, settings_, store_, hub_);
    } catch (const Poco::Net::WebSocketException& e) {
      // Not an upgrade request (e.g. a browser opening the URL): say how to use it.
      if (!response.sent()) {
        send_text(response, HTTPResponse::HTTP_BAD_REQUEST, "text/plain; charset=utf-8",
                  "GET /chat/ws is a WebSocket endpoint (" + e.message() +
                      "); open /chat for the chat page\n");
      }
      return;
    }
    session->run();
  }

 private:
  bool origin_allowed(const std::string& origin) const {
    if (settings_.allowed_origins.empty()) return true;
    return std::find(settings_.allowed_origins.begin(), settings_.allowed_origins.end(), origin) !=
           settings_.allowed_origins.end();
  }

  sdk::Host host_;
  const ChatSettings& settings_;
  const ConversationStore& store_;
  ChatHub& hub_;
};

class NotFoundHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    send_text(response, HTTPResponse::HTTP_NOT_FOUND, "text/plain; charset=utf-8",
              "nothing at " + request.getMethod() + " " + request.getURI() +
                  "; the chat page is GET /chat and its WebSocket GET /chat/ws\n");
  }
};

class ChatRequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  ChatRequestHandlerFactory(sdk::Host host, const ChatSettings& settings,
                            const ConversationStore& store, ChatHub& hub)
      : host_(host), settings_(settings), store_(store), hub_(hub) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override {
    const std::string path = Poco::URI(request.getURI()).getPath();
    if (request.getMethod() == "GET" && (path == "/chat" || path == "/chat/")) {
      return new WidgetHandler(settings_);
    }
    if (request.getMethod() == "GET" && path == "/chat/ws") {
      return new SocketHandler(host_, settings_, store_, hub_);
    }
    return new NotFoundHandler();
  }

 private:
  sdk::Host host_;
  const ChatSettings& settings_;
  const ConversationStore& store_;
  ChatHub& hub_;
};

}  // namespace

ChatServer::ChatServer(sdk::Host host, const ChatSettings& settings, const ConversationStore& store,
                       ChatHub& hub)
    : host_(host), settings_(settings), store_(store), hub_(hub) {}

ChatServer::~ChatServer() { stop(); }

void ChatServer::start() {
  Poco::Net::ServerSocket socket(
      Poco::Net::SocketAddress(settings_.listen, static_cast<Poco::UInt16>(settings_.port)), 64);
  port_ = socket.address().port();
  // One thread per open socket, plus one so the page can still be served when all are taken.
  const int threads = settings_.max_connections + 1;
  threads_ = std::make_unique<Poco::ThreadPool>(2, threads, 60);
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(64);
  params->setKeepAlive(false);
  params->setTimeout(Poco::Timespan(30, 0));
  server_ = std::make_unique<Poco::Net::HTTPServer>(
      new ChatRequestHandlerFactory(host_, settings_, store_, hub_), *threads_, socket, params);
  server_->start();
}

void ChatServer::stop() {
  if (!server_) return;
  hub_.close_all(Poco::Net::WebSocket::WS_ENDPOINT_GOING_AWAY, "server shutting down");
  // Aborting also ends sockets that never said hello and so are not in the hub.
  server_->stopAll(true);
  threads_->joinAll();
  server_.reset();
  threads_.reset();
}

}  // namespace cxloop::plugins::chat

// A real cxloopd kernel for the chat channel's tests: app::Server on 127.0.0.1 port 0 over a
// fresh SQLite database, loading the built "chat" plugin (its listener on port 0 too), an
// agent token, and a Poco WebSocket client speaking the chat protocol.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/StreamCopier.h>

#include <nlohmann/json.hpp>

#include "app/server.hpp"
#include "config/config.hpp"
#include "test_databases.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::testing {

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

inline HttpReply http_request(std::uint16_t port, const std::string& method,
                              const std::string& path, const std::string& body = "",
                              const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpReply reply;
  reply.status = response.getStatus();
  reply.content_type = response.getContentType();
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

// Polls check until it returns true or timeout passes; for waiting on background work.
inline void wait_until(const std::function<bool()>& check, const std::string& what,
                       std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!check()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("gave up after " + std::to_string(timeout.count()) +
                               " ms waiting for " + what);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

// One browser tab's WebSocket to the chat listener.
class ChatClient {
 public:
  explicit ChatClient(std::uint16_t port) : session_("127.0.0.1", port) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/chat/ws",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTTPResponse response;
    socket_ = std::make_unique<Poco::Net::WebSocket>(session_, request, response);
    socket_->setReceiveTimeout(Poco::Timespan(15, 0));
  }

  void send(const nlohmann::json& frame) { send_text(frame.dump()); }
  void send_text(const std::string& text) {
    socket_->sendFrame(text.data(), static_cast<int>(text.size()),
                       Poco::Net::WebSocket::FRAME_TEXT);
  }

  // The next frame: {"type": ...} for text frames, {"close": code} for a close frame.
  nlohmann::json receive() {
    for (;;) {
      Poco::Buffer<char> buffer(0);
      int flags = 0;
      const int n = socket_->receiveFrame(buffer, flags);
      const int opcode = flags & Poco::Net::WebSocket::FRAME_OP_BITMASK;
      if (n == 0 && flags == 0) return {{"close", 0}};
      if (opcode == Poco::Net::WebSocket::FRAME_OP_CLOSE) {
        const int code = n >= 2 ? (static_cast<unsigned char>(buffer[0]) << 8) |
                                      static_cast<unsigned char>(buffer[1])
                                : 0;
        return {{"close", code}};
      }
      if (opcode == Poco::Net::WebSocket::FRAME_OP_TEXT) {
        return nlohmann::json::parse(std::string(buffer.begin(), static_cast<std::size_t>(n)));
      }
    }
  }
  // Frames up to and including the next one of this type (others are skipped).
  nlohmann::json receive(const std::string& type) {
    for (;;) {
      nlohmann::json frame = receive();
      if (frame.contains("close")) {
        throw std::runtime_error("the socket closed (code " + frame["close"].dump() +
                                 ") while waiting for a '" + type + "' frame");
      }
      if (frame.value("type", "") == type) return frame;
    }
  }
  void close() { socket_->shutdown(); }

 private:
  Poco::Net::HTTPClientSession session_;
  std::unique_ptr<Poco::Net::WebSocket> socket_;
};

class ChatTestServer {
 public:
  explicit ChatTestServer(nlohmann::json settings = nlohmann::json::object(), bool enabled = true)
      : database_("sqlite", false) {
    config::Config config;
    config.http.port = 0;
    config.http.threads = 8;
    config.storage.url = database_.url();
    config.logging.level = "warning";
    config.workers.outbox_poll = std::chrono::milliseconds(50);
    const char* build = std::getenv("CXLOOP_BUILD_DIR");
    if (build == nullptr) throw std::runtime_error("run the test through ctest (CXLOOP_BUILD_DIR)");
    config.plugin_dirs = {std::string(build) + "/plugins"};
    config::PluginInstanceConfig instance;
    instance.name = "chat";
    instance.plugin = "chat";
    instance.enabled = enabled;
    instance.required = enabled;
    if (!settings.contains("port")) settings["port"] = 0;
    instance.settings_json = settings.dump();
    config.plugins.push_back(instance);
    server_ = std::make_unique<app::Server>(config);
    server_->start();

    workflow::TokenService& tokens = server_->domain().tokens;
    agent_token_ = tokens.create({{"name", "agent"}, {"role", "agent"}}, system_)
                       .at("secret")
                       .get<std::string>();
  }
  ~ChatTestServer() { server_->stop(); }

  app::Server& server() { return *server_; }
  std::uint16_t kernel_port() { return server_->port(); }
  // The chat listener's port, as a widget host page would find it.
  std::uint16_t chat_port() {
    const auto endpoint = http_request(kernel_port(), "GET", "/hooks/channel/chat/endpoint");
    if (endpoint.status != 200) {
      throw std::runtime_error("GET endpoint answered " + std::to_string(endpoint.status));
    }
    return endpoint.json().at("port").get<std::uint16_t>();
  }

  nlohmann::json call(const std::string& operation, const nlohmann::json& request) {
    return server_->operations().call(operation, request, system_);
  }
  nlohmann::json case_by_number(const std::string& number) {
    return call("case.find_by_number", {{"number", number}});
  }
  nlohmann::json messages(std::int64_t case_id) {
    return call("case.messages", {{"case_id", case_id}});
  }
  nlohmann::json message(std::int64_t case_id, std::int64_t message_id) {
    for (const auto& m : messages(case_id)) {
      if (m.at("id").get<std::int64_t>() == message_id) return m;
    }
    throw std::runtime_error("message " + std::to_string(message_id) + " is not on case " +
                             std::to_string(case_id));
  }
  // An agent's reply through the REST API; returns the stored message.
  nlohmann::json reply(std::int64_t case_id, const std::string& body) {
    const auto posted = http_request(
        kernel_port(), "POST", "/api/v1/cases/" + std::to_string(case_id) + "/messages",
        nlohmann::json{{"body", body}}.dump(),
        {{"Authorization", "Bearer " + agent_token_}, {"Content-Type", "application/json"}});
    if (posted.status != 201) {
      throw std::runtime_error("posting the reply failed: " + std::to_string(posted.status) + " " +
                               posted.body);
    }
    return posted.json();
  }
  std::string metrics() { return http_request(kernel_port(), "GET", "/metrics").body; }

 private:
  TestDatabase database_;
  workflow::Actor system_{"system", "system"};
  std::unique_ptr<app::Server> server_;
  std::string agent_token_;
};

}  // namespace cxloop::testing

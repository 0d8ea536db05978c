// A real cxloopd kernel for the email channel's tests: app::Server on 127.0.0.1 port 0 over a
// fresh SQLite database, loading the built "email" plugin from <build>/plugins with the given
// settings, plus an agent token and a small HTTP client for the mailgate and the REST API.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <nlohmann/json.hpp>

#include "app/server.hpp"
#include "config/config.hpp"
#include "test_databases.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::testing {

inline const std::string kMailgateToken = "mailgate-test-token-0123456789";

struct HttpReply {
  int status = 0;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// Polls check until it returns true or timeout passes; the failure message says what was
// awaited. For waiting on the server's background work, never as a timing assertion.
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

class EmailTestServer {
 public:
  // settings: the email instance's settings; enabled false configures it switched off.
  explicit EmailTestServer(const nlohmann::json& settings, bool enabled = true)
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
    instance.name = "email";
    instance.plugin = "email";
    instance.enabled = enabled;
    instance.required = enabled;
    instance.settings_json = settings.dump();
    config.plugins.push_back(instance);
    server_ = std::make_unique<app::Server>(config);
    server_->start();

    workflow::TokenService& tokens = server_->domain().tokens;
    agent_token_ = tokens.create({{"name", "agent"}, {"role", "agent"}}, system_)
                       .at("secret")
                       .get<std::string>();
    admin_token_ = tokens.create({{"name", "admin"}, {"role", "admin"}}, system_)
                       .at("secret")
                       .get<std::string>();
  }
  ~EmailTestServer() { server_->stop(); }

  app::Server& server() { return *server_; }

  HttpReply http(const std::string& method, const std::string& path, const std::string& body,
                 const std::map<std::string, std::string>& headers) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpReply reply;
    reply.status = response.getStatus();
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  }

  // Posts a raw message to the mailgate the way the documented curl pipe does.
  HttpReply mailgate(const std::string& raw, const std::string& token = kMailgateToken,
                     const std::string& content_type = "message/rfc822") {
    std::map<std::string, std::string> headers = {{"Content-Type", content_type}};
    if (!token.empty()) headers["X-Mailgate-Token"] = token;
    return http("POST", "/hooks/channel/email/inbound", raw, headers);
  }

  HttpReply api(const std::string& method, const std::string& path,
                const nlohmann::json& body = nullptr, bool as_admin = false) {
    std::map<std::string, std::string> headers = {
        {"Authorization", "Bearer " + (as_admin ? admin_token_ : agent_token_)}};
    std::string text;
    if (!body.is_null()) {
      headers["Content-Type"] = "application/json";
      text = body.dump();
    }
    return http(method, path, text, headers);
  }

  // A host operation as the system would call it (reads for the assertions).
  nlohmann::json call(const std::string& operation, const nlohmann::json& request) {
    return server_->operations().call(operation, request, system_);
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
  nlohmann::json cases_of(const std::string& email) {
    const auto customer = call("customer.resolve", {{"email", email}}).at("customer");
    return call("case.list", {{"customer_id", customer.at("id")}}).at("items");
  }

  // An agent's reply through the REST API, as the web console posts it; returns the message.
  nlohmann::json reply(std::int64_t case_id, const std::string& body) {
    const HttpReply posted =
        api("POST", "/api/v1/cases/" + std::to_string(case_id) + "/messages", {{"body", body}});
    if (posted.status != 201) {
      throw std::runtime_error("posting the reply failed: " + std::to_string(posted.status) + " " +
                               posted.body);
    }
    return posted.json();
  }

 private:
  TestDatabase database_;
  workflow::Actor system_{"system", "system"};
  std::unique_ptr<app::Server> server_;
  std::string agent_token_;
  std::string admin_token_;
};

}  // namespace cxloop::testing

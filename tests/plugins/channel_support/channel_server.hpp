// A real cxloopd kernel for channel plugin tests: started in-process on 127.0.0.1 port 0
// over a fresh SQLite file, loading the bundled plugins from the build tree, with an agent
// token, a small HTTP client, and bounded polling for work the outbox does in the background.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/server.hpp"
#include "config/config.hpp"
#include "workflow/domain_services.hpp"

namespace cxloop::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline HttpResult http_request(std::uint16_t port, const std::string& method,
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
  HttpResult out;
  out.status = static_cast<int>(response.getStatus());
  for (const auto& [name, value] : response) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[lower] = value;
  }
  Poco::StreamCopier::copyToString(in, out.body);
  return out;
}

// Polls condition every 20 ms until it holds or timeout passes; returns whether it held.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

inline config::PluginInstanceConfig plugin_instance(const std::string& name,
                                                    const std::string& plugin,
                                                    const nlohmann::json& settings,
                                                    bool enabled = true) {
  config::PluginInstanceConfig instance;
  instance.name = name;
  instance.plugin = plugin;
  instance.enabled = enabled;
  instance.required = enabled;  // a test must not pass with its plugin silently missing
  instance.settings_json = settings.dump();
  return instance;
}

class ChannelServer {
 public:
  // adjust, when given, changes the configuration before the server starts (campaign
  // settings, timers, worker counts).
  explicit ChannelServer(std::vector<config::PluginInstanceConfig> instances,
                         const std::function<void(config::Config&)>& adjust = {}) {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() /
                 ("cxloop-channel-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(directory_);
    config::Config config;
    config.http.port = 0;
    config.http.threads = 8;
    config.storage.url = "sqlite:" + (directory_ / "cxloop.db").string();
    config.data_dir = directory_.string();
    config.logging.level = "warning";
    config.workers.outbox_poll = std::chrono::milliseconds(50);
    const char* build = std::getenv("CXLOOP_BUILD_DIR");
    if (build == nullptr)
      throw std::runtime_error("CXLOOP_BUILD_DIR is not set; run through ctest");
    config.plugin_dirs = {std::string(build) + "/plugins"};
    config.plugins = std::move(instances);
    if (adjust) adjust(config);
    server_ = std::make_unique<app::Server>(config);
    server_->start();
    agent_token_ = server_->domain()
                       .tokens.create({{"name", "agent"}, {"role", "agent"}}, {"system", "system"})
                       .at("secret")
                       .get<std::string>();
  }
  ~ChannelServer() {
    server_->stop();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  app::Server& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }

  HttpResult request(const std::string& method, const std::string& path,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {}) {
    return http_request(port(), method, path, body, headers);
  }

  // A REST API call as an agent.
  HttpResult api(const std::string& method, const std::string& path,
                 const nlohmann::json& body = nullptr) {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + agent_token_}};
    if (!body.is_null()) headers["Content-Type"] = "application/json";
    return request(method, path, body.is_null() ? "" : body.dump(), headers);
  }

  nlohmann::json api_json(const std::string& method, const std::string& path,
                          const nlohmann::json& body = nullptr) {
    HttpResult result = api(method, path, body);
    if (result.status >= 300) {
      throw std::runtime_error(method + " " + path + " answered " + std::to_string(result.status) +
                               ": " + result.body);
    }
    return result.json();
  }

  // Cases matching a query string ("channel=sms"), newest first.
  nlohmann::json cases(const std::string& query = "") {
    return api_json("GET", "/api/v1/cases" + (query.empty() ? "" : "?" + query)).at("items");
  }
  nlohmann::json messages(std::int64_t case_id) {
    return api_json("GET", "/api/v1/cases/" + std::to_string(case_id) + "/messages").at("items");
  }
  nlohmann::json message(std::int64_t case_id, std::int64_t message_id) {
    for (const auto& m : messages(case_id)) {
      if (m.at("id") == message_id) return m;
    }
    throw std::runtime_error("message " + std::to_string(message_id) + " is not on case " +
                             std::to_string(case_id));
  }

 private:
  std::filesystem::path directory_;
  std::unique_ptr<app::Server> server_;
  std::string agent_token_;
};

}  // namespace cxloop::testing

// Driving the real binaries from a test: cxloopctl commands against a config file (migrate,
// imports, the admin token it prints), cxloopd started as a child that loads the plugins of
// the build tree and says which port it listens on, and a small HTTP client for its API.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <functional>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "child_process.hpp"

namespace cxloop::testing {

// The environment of a child binary: the plugins built next to it.
inline Poco::Process::Env child_env() {
  Poco::Process::Env env;
  const char* build = std::getenv("CXLOOP_BUILD_DIR");
  REQUIRE(build != nullptr);
  env["CXLOOP_PLUGIN_PATH"] = std::string(build) + "/plugins";
  return env;
}

// Runs `cxloopctl --config <config> <args...>`; returns its exit code and, in out, what it
// printed on stdout.
inline int cxloopctl(const std::string& config, const std::vector<std::string>& args,
                     std::string* out = nullptr) {
  std::vector<std::string> all = {"--config", config};
  all.insert(all.end(), args.begin(), args.end());
  Poco::Pipe pipe;
  Poco::ProcessHandle handle =
      Poco::Process::launch(binary("cxloopctl"), all, nullptr, &pipe, nullptr, child_env());
  Poco::PipeInputStream in(pipe);
  std::string text;
  Poco::StreamCopier::copyToString(in, text);
  if (out != nullptr) *out = text;
  return handle.wait();
}

// A new API token of the role; cxloopctl prints the secret alone on its first line.
inline std::string create_token(const std::string& config, const std::string& role) {
  std::string out;
  REQUIRE(cxloopctl(config, {"token", "create", "--role", role, "--name", "test-" + role}, &out) ==
          0);
  const std::string token = out.substr(0, out.find('\n'));
  REQUIRE(token.size() > 20);
  return token;
}

// Starts cxloopd with the config and returns the port it listens on.
inline int start_cxloopd(std::unique_ptr<Child>& child, const std::string& config) {
  child = std::make_unique<Child>(binary("cxloopd"), std::vector<std::string>{"--config", config},
                                  child_env());
  auto port = child->wait_for(std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"),
                              std::chrono::seconds(60));
  INFO(child->output());
  REQUIRE(port.has_value());
  return std::stoi(*port);
}

struct Reply {
  int status = 0;
  std::string body;
  nlohmann::json document() const { return nlohmann::json::parse(body); }
};

// One HTTP request to the server on 127.0.0.1:port, with a bearer token when one is given.
inline Reply call(int port, const std::string& method, const std::string& path,
                  const std::string& token, const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) request.set("Authorization", "Bearer " + token);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply reply;
  reply.status = response.getStatus();
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

// Polls condition until it holds or timeout passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling, not asserting
  }
  return condition();
}

}  // namespace cxloop::testing

// A real cxloopd kernel on 127.0.0.1 port 0 over a fresh database of the given backend, with
// one token per role, and a small HTTP client to drive it the way API users do.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "app/server.hpp"
#include "config/config.hpp"
#include "test_databases.hpp"
#include "workflow/domain_services.hpp"

namespace cxloop::testing {

struct ApiResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class ApiFixture {
 public:
  explicit ApiFixture(const std::string& backend) : database_(backend, false) {
    config::Config config;
    config.http.port = 0;
    config.http.threads = 8;
    config.http.max_body_bytes = 64 * 1024;
    config.storage.url = database_.url();
    config.logging.level = "warning";
    // Lifecycle tests walk fix_delivered -> verified at once; the verification window is
    // tested with a frozen clock in tests/kernel/analytics.
    config.domain.verification.window_days = 0;
    server_ = std::make_unique<app::Server>(config);
    server_->start();
    workflow::Actor system{"system", "system"};
    for (const char* role : {"admin", "agent", "ingest"}) {
      auto created = server_->domain().tokens.create({{"name", role}, {"role", role}}, system);
      tokens_[role] = created.at("secret").get<std::string>();
    }
    auto department = server_->domain().departments.create({{"name", "test department"}}, system);
    department_id_ = department.at("id").get<std::int64_t>();
    auto created = server_->domain().tokens.create(
        {{"name", "department"}, {"role", "department"}, {"department_id", department_id_}},
        system);
    tokens_["department"] = created.at("secret").get<std::string>();
  }
  ~ApiFixture() { server_->stop(); }

  app::Server& server() { return *server_; }
  const std::string& token(const std::string& role) { return tokens_.at(role); }
  std::int64_t department_id() const { return department_id_; }

  // token: a role name from token(), "" for none, or a literal "raw:<text>" token.
  ApiResponse request(const std::string& method, const std::string& path,
                      const std::string& role = "admin", const std::string& body = "",
                      const std::map<std::string, std::string>& headers = {}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!role.empty()) {
      std::string secret = role.rfind("raw:", 0) == 0 ? role.substr(4) : token(role);
      request.set("Authorization", "Bearer " + secret);
    }
    bool has_type = false;
    for (const auto& [name, value] : headers) {
      request.set(name, value);
      has_type = has_type || name == "Content-Type";
    }
    if (!body.empty() && !has_type) request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    ApiResponse out;
    out.status = response.getStatus();
    for (const auto& [name, value] : response) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[lower] = value;
    }
    Poco::StreamCopier::copyToString(in, out.body);
    return out;
  }

  ApiResponse post(const std::string& path, const nlohmann::json& body,
                   const std::string& role = "admin",
                   const std::map<std::string, std::string>& headers = {}) {
    return request("POST", path, role, body.dump(), headers);
  }
  ApiResponse get(const std::string& path, const std::string& role = "admin") {
    return request("GET", path, role);
  }

  // A new case through the API; returns its record.
  nlohmann::json new_case(const std::string& email, const std::string& subject = "It broke",
                          nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json body{
        {"customer", {{"email", email}}}, {"subject", subject}, {"body", "Details of " + subject}};
    body.update(extra);
    auto response = post("/api/v1/cases", body);
    if (response.status != 201) {
      throw std::runtime_error("case intake failed: " + std::to_string(response.status) + " " +
                               response.body);
    }
    return response.json();
  }

 private:
  TestDatabase database_;
  std::unique_ptr<app::Server> server_;
  std::map<std::string, std::string> tokens_;
  std::int64_t department_id_ = 0;
};

}  // namespace cxloop::testing

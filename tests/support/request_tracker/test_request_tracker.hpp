// Access from Catch2 tests to the real Request Tracker that the "request_tracker" CTest
// fixture starts (tests/support/request_tracker/rt_fixture.sh): its URL, queues and
// credentials, and a small REST 2 client acting as the department's staff (RT's root), so a
// test checks and changes tickets in RT itself rather than through the connector under test.
//
//   const auto& rt = cxloop::testing::request_tracker();     // throws if the fixture is off
//   cxloop::testing::RtStaff staff;
//   auto ticket = staff.get("/ticket/12");                   // RT's JSON
//   staff.post("/ticket/12/correspond", {{"Content", "Fixed"}, {"Status", "resolved"}});
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <nlohmann/json.hpp>

namespace cxloop::testing {

struct RequestTracker {
  std::string url;                         // http://127.0.0.1:<port>
  std::string queue;                       // the connector instance's queue
  std::string department_queue;            // a second queue the connector user may use
  std::string token;                       // auth token of the connector's RT user
  std::string user, password;              // the connector's RT user (queue rights only)
  std::string staff_user, staff_password;  // root: the department's staff
};

// The running RT; read once from the env file named by CXLOOP_RT_ENV. Throws with
// instructions when the fixture did not run.
inline const RequestTracker& request_tracker() {
  static const RequestTracker rt = [] {
    const char* path = std::getenv("CXLOOP_RT_ENV");
    std::ifstream in(path == nullptr ? "" : path);
    if (!in) {
      throw std::runtime_error(
          std::string("the Request Tracker env file '") + (path ? path : "") +
          "' (named by CXLOOP_RT_ENV) is missing. Run the test through ctest with FIXTURES "
          "request_tracker, after '.ci/setup --tests' installed request-tracker5, "
          "rt5-db-sqlite and rt5-standalone");
    }
    std::map<std::string, std::string> env;
    for (std::string line; std::getline(in, line);) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    auto at = [&](const std::string& key) {
      auto it = env.find("CXLOOP_TEST_RT_" + key);
      if (it == env.end())
        throw std::runtime_error("CXLOOP_TEST_RT_" + key + " missing in " + path);
      return it->second;
    };
    return RequestTracker{at("URL"),  at("QUEUE"),    at("DEPARTMENT_QUEUE"), at("TOKEN"),
                          at("USER"), at("PASSWORD"), at("STAFF_USER"),       at("STAFF_PASSWORD")};
  }();
  return rt;
}

// RT's REST 2 API as root. Each call throws std::runtime_error unless RT answers 2xx.
class RtStaff {
 public:
  nlohmann::json get(const std::string& path) const { return send("GET", path, nullptr); }
  nlohmann::json post(const std::string& path, const nlohmann::json& body) const {
    return send("POST", path, &body);
  }
  nlohmann::json put(const std::string& path, const nlohmann::json& body) const {
    return send("PUT", path, &body);
  }

  // Ids of the tickets in queue whose subject contains text (TicketSQL search).
  std::vector<std::string> ticket_ids(const std::string& queue, const std::string& text) const {
    std::string query;
    Poco::URI::encode("Queue = '" + queue + "' AND Subject LIKE '" + text + "'", "&=+'", query);
    std::vector<std::string> ids;
    const nlohmann::json found = get("/tickets?per_page=100&query=" + query);
    for (const auto& item : found.at("items")) {
      ids.push_back(item.at("id").is_string() ? item.at("id").get<std::string>()
                                              : std::to_string(item.at("id").get<long long>()));
    }
    return ids;
  }

  // The ticket's transactions of type ("Comment", "Correspond", ...), oldest first.
  std::vector<nlohmann::json> transactions(const std::string& id, const std::string& type) const {
    std::vector<nlohmann::json> out;
    const nlohmann::json history =
        get("/ticket/" + id + "/history?per_page=100&fields=Type,Creator");
    for (const auto& item : history.at("items")) {
      if (item.at("Type") == type) out.push_back(item);
    }
    return out;
  }

  // The text/plain content of each of the ticket's attachments, in order.
  std::vector<std::string> texts(const std::string& id) const {
    std::vector<std::string> out;
    const nlohmann::json attachments =
        get("/ticket/" + id + "/attachments?per_page=100&fields=ContentType,Content");
    for (const auto& item : attachments.at("items")) {
      if (item.value("ContentType", "") == "text/plain") out.push_back(item.value("Content", ""));
    }
    return out;
  }

 private:
  nlohmann::json send(const std::string& method, const std::string& path,
                      const nlohmann::json* body) const {
    const auto& rt = request_tracker();
    const Poco::URI uri(rt.url + "/REST/2.0" + path);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTTPBasicCredentials(rt.staff_user, rt.staff_password).authenticate(request);
    const std::string text = body == nullptr ? std::string() : body->dump();
    if (body != nullptr) request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(text.size()));
    session.sendRequest(request) << text;
    Poco::Net::HTTPResponse response;
    std::string answer;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), answer);
    if (response.getStatus() >= 300) {
      throw std::runtime_error("RT answered " + method + " " + path + " with " +
                               std::to_string(response.getStatus()) + ": " + answer);
    }
    return nlohmann::json::parse(answer);
  }
};

}  // namespace cxloop::testing

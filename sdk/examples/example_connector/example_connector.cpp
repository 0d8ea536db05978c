// An example department connector. Instead of calling a real ticket system it keeps its
// tickets in the instance's key-value store, which shows the whole contract in little code:
//   push      creates a ticket (idempotently, by the task's idempotency_key) -> external_ref
//   update    applies a change (status, comment) to the ticket
//   poll      reports the status of known tickets
//   callback  the "ticket system" reports a status change: POST /hooks/connector/<instance>/
//             status {"external_ref": "...", "status": "done"} comes in through handle_http
#include <string>
#include <vector>

#include <cxloop/sdk.hpp>

namespace {

using cxloop::sdk::Error;
using cxloop::sdk::HttpRequest;
using cxloop::sdk::json;
using cxloop::sdk::Response;

const std::vector<std::string> kStatuses = {"open", "in_progress", "done", "rejected"};

class ExampleConnector : public cxloop::sdk::ConnectorPlugin {
 public:
  explicit ExampleConnector(cxloop::sdk::Host host) : ConnectorPlugin(host) {
    prefix_ = host.config().value("prefix", std::string("EX"));
    host.register_route("POST", "/status", /*is_public=*/true);
    host.info("example connector ready; tickets are numbered " + prefix_ + "-<n>");
  }

  json push(const json& task) override {
    const std::string key = task.value("idempotency_key", std::string());
    // A repeated push (after a crash or an expired lease) returns the ticket made the first time.
    if (!key.empty()) {
      if (auto existing = host().kv_get("pushed:" + key)) {
        return {{"external_ref", *existing}, {"status", ticket(*existing).at("status")}};
      }
    }
    const int number = std::stoi(host().kv_get("next_number").value_or("1"));
    host().kv_put("next_number", std::to_string(number + 1));
    const std::string ref = prefix_ + "-" + std::to_string(number);
    host().kv_put("ticket:" + ref, json{{"task", task}, {"status", "open"}}.dump());
    if (!key.empty()) host().kv_put("pushed:" + key, ref);
    host().counter_add("example_tickets_created_total");
    return {{"external_ref", ref}, {"status", "open"}};
  }

  json update(const json& task, const json& change) override {
    const std::string ref = task.at("external_ref").get<std::string>();
    json stored = ticket(ref);
    if (change.contains("status")) stored["status"] = checked_status(change.at("status"));
    if (change.contains("comment")) stored["comments"].push_back(change.at("comment"));
    host().kv_put("ticket:" + ref, stored.dump());
    return {{"external_ref", ref}, {"status", stored.at("status")}};
  }

  json poll(const std::vector<std::string>& refs) override {
    json statuses = json::array();
    for (const auto& ref : refs) {
      if (auto text = host().kv_get("ticket:" + ref)) {
        statuses.push_back({{"external_ref", ref}, {"status", json::parse(*text).at("status")}});
      }
    }
    return statuses;
  }

  json handle_callback(const HttpRequest& request) override {
    const json body = request.json_body();
    const std::string ref = body.at("external_ref").get<std::string>();
    const json updated = update({{"external_ref", ref}}, {{"status", body.at("status")}});
    return json::array({updated});
  }

  Response handle_http(const HttpRequest& request) override {
    return Response::json(200, {{"changes", handle_callback(request)}});
  }

 private:
  json ticket(const std::string& ref) const {
    auto text = host().kv_get("ticket:" + ref);
    if (!text) throw Error(CXLOOP_ERR_NOT_FOUND, "no ticket " + ref + " in this connector");
    return json::parse(*text);
  }
  static std::string checked_status(const json& status) {
    const std::string value = status.get<std::string>();
    for (const auto& known : kStatuses) {
      if (value == known) return value;
    }
    throw Error(CXLOOP_ERR_INVALID,
                "status '" + value + "' must be open, in_progress, done or rejected");
  }

  std::string prefix_;
};

}  // namespace

CXLOOP_PLUGIN(ExampleConnector, "example_connector", "connector", "1.0.0")

// The request_tracker department connector: a task becomes a ticket in an RT 5 queue through
// RT's REST 2 API; polling brings back the ticket's status (mapped to a task state) and the
// department's correspondence and comments. See README.md for settings and the RT rights
// the connector's user needs.
#include <string>
#include <vector>

#include <cxloop/sdk.hpp>

#include "rt_client.hpp"
#include "rt_settings.hpp"
#include "ticket_document.hpp"
#include "ticket_sync.hpp"

namespace cxloop::connectors::request_tracker {
namespace {

using sdk::Error;
using sdk::json;

// RT's ids are numbers; the kernel keeps external references as strings.
std::string ticket_id(const json& value, const std::string& field) {
  std::string id = value.is_number_integer() ? std::to_string(value.get<long long>())
                   : value.is_string()       ? value.get<std::string>()
                                             : std::string();
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(CXLOOP_ERR_INVALID,
                "'" + field + "' must be an RT ticket number, not " + value.dump());
  }
  return id;
}

// Every page of a REST 2 collection ("/ticket/1/history?fields=..."), items in order. RT
// leaves "pages" null for users without SuperUser on some collections (attachments), so a
// short page ends the walk as well.
json all_items(const RtClient& rt, const std::string& path, const std::string& what) {
  constexpr std::size_t per_page = 100;
  json items = json::array();
  for (int page = 1;; ++page) {
    const json answer = rt.get(
        path + "&per_page=" + std::to_string(per_page) + "&page=" + std::to_string(page), what);
    const json batch = answer.value("items", json::array());
    for (const auto& item : batch) items.push_back(item);
    const json pages = answer.value("pages", json());
    const bool last = pages.is_number() ? page >= pages.get<double>() : batch.size() < per_page;
    if (last || batch.empty()) return items;
  }
}

class RequestTrackerConnector : public sdk::ConnectorPlugin {
 public:
  explicit RequestTrackerConnector(sdk::Host host)
      : ConnectorPlugin(host),
        rt_(read_settings(host.config())),
        status_map_(default_status_map(), rt_.settings().status_map) {
    host.info("Request Tracker connector for " + rt_.settings().url + ", queue '" +
              rt_.settings().queue + "'");
  }

  json push(const json& task) override {
    const std::string key = task.value("idempotency_key", std::string());
    if (!key.empty()) {
      if (auto existing = host().kv_get("push:" + key)) return pushed(*existing);
    }
    const std::string queue = queue_for(task);
    const json body = ticket_create_body(task, queue);
    const json created = rt_.post("/ticket", body, "creating a ticket in queue '" + queue + "'");
    const std::string id = ticket_id(created.value("id", json()), "id of the created ticket");
    if (!key.empty()) host().kv_put("push:" + key, id);
    host().counter_add("request_tracker_tickets_created_total");
    return {{"external_ref", id},
            {"status", status_entry(status_map_, id, "new").value("status", "open")},
            {"url", rt_.ticket_url(id)}};
  }

  json update(const json& task, const json& change) override {
    const std::string id = ticket_id(task.value("external_ref", json()), "task/external_ref");
    const std::string path = "/ticket/" + id;
    const json comment = change.value("comment", json());
    if (change.contains("comment") &&
        (!comment.is_string() || comment.get<std::string>().empty())) {
      throw Error(CXLOOP_ERR_INVALID, "change 'comment' must be a non-empty string");
    }
    json fields = json::object();
    if (change.contains("due_at")) fields["Due"] = rt_date(change.at("due_at"), "change/due_at");
    if (change.contains("status")) {
      if (!change.at("status").is_string()) {
        throw Error(CXLOOP_ERR_INVALID, "change 'status' must be a task state string");
      }
      fields["Status"] = rt_status_for(change.at("status").get<std::string>());
    }
    // RT answers a comment on a ticket it does not have with 400 "Permission Denied"; ask first.
    if (!rt_.find(path, "reading ticket " + id)) {
      throw Error(CXLOOP_ERR_NOT_FOUND, "Request Tracker has no ticket " + id +
                                            " (the task's external_ref); it may have been "
                                            "shredded");
    }
    if (!fields.empty()) apply(id, fields);
    // After the fields, so a retry after a failed field change never posts the comment twice.
    if (change.contains("comment")) {
      rt_.post(path + "/comment", {{"Content", comment}, {"ContentType", "text/plain"}},
               "commenting on ticket " + id);
    }
    return json::object();
  }

  json poll(const std::vector<std::string>& refs) override {
    json statuses = json::array();
    for (const auto& ref : refs) {
      if (ref.empty() || ref.find_first_not_of("0123456789") != std::string::npos) {
        // One stray reference must not stop the other tickets from being polled.
        statuses.push_back(
            {{"external_ref", ref}, {"status_error", "'" + ref + "' is not an RT ticket number"}});
        continue;
      }
      statuses.push_back(poll_one(ref));
    }
    return statuses;
  }

  // An update that comes from the outbox carries its idempotency_key: a change already
  // applied (the node died before the outbox recorded it) is not applied twice, so a comment
  // is posted once.
  json invoke(const std::string& operation, const json& request) override {
    const std::string key =
        operation == "update" ? request.value("idempotency_key", std::string()) : std::string();
    if (key.empty()) return ConnectorPlugin::invoke(operation, request);
    if (host().kv_get("update:" + key)) return json::object();
    json result = ConnectorPlugin::invoke(operation, request);
    host().kv_put("update:" + key, "done");
    return result;
  }

 private:
  std::string queue_for(const json& task) const {
    const json department = task.value("department", json::object());
    const json settings =
        department.is_object() ? department.value("settings", json::object()) : json::object();
    if (settings.is_object() && settings.contains("queue")) {
      const json& queue = settings.at("queue");
      if (!queue.is_string() || queue.get<std::string>().empty()) {
        throw Error(CXLOOP_ERR_INVALID,
                    "department connector_settings 'queue' must be the name of an RT queue");
      }
      return queue.get<std::string>();
    }
    return rt_.settings().queue;
  }

  // The answer to a repeated push: the ticket made the first time, as it is now.
  json pushed(const std::string& id) {
    json answer = {{"external_ref", id}, {"url", rt_.ticket_url(id)}};
    if (auto ticket = rt_.find("/ticket/" + id, "reading ticket " + id)) {
      const json entry = status_entry(status_map_, id, ticket->value("Status", std::string()));
      if (entry.contains("status")) answer["status"] = entry.at("status");
    }
    return answer;
  }

  // RT answers a PUT with 200 and a list of messages even when it refused a field (an
  // unknown status, a transition its lifecycle forbids), so the ticket is read back.
  void apply(const std::string& id, const json& fields) {
    const json messages = rt_.put("/ticket/" + id, fields, "updating ticket " + id);
    const json ticket = rt_.get("/ticket/" + id, "reading ticket " + id);
    std::string refused;
    if (fields.contains("Status") && ticket.value("Status", std::string()) != fields["Status"]) {
      refused = "Status " + fields["Status"].get<std::string>();
    }
    if (fields.contains("Due")) {
      const std::string due = ticket.value("Due", std::string());
      std::string expected = fields["Due"].get<std::string>();
      expected[10] = 'T';
      if (due.rfind(expected, 0) != 0)
        refused += (refused.empty() ? "" : ", ") + std::string("Due");
    }
    if (!refused.empty()) {
      throw Error(CXLOOP_ERR_INVALID, "Request Tracker did not apply " + refused + " to ticket " +
                                          id + ": " + messages.dump());
    }
  }

  json poll_one(const std::string& id) {
    const auto ticket = rt_.find("/ticket/" + id, "reading ticket " + id);
    if (!ticket) {
      host().warning("RT ticket " + id + " no longer exists; its task keeps its state");
      host().counter_add("request_tracker_missing_tickets_total");
      return {{"external_ref", id},
              {"status_error", "RT ticket " + id + " no longer exists in " + rt_.settings().url}};
    }
    json entry = status_entry(status_map_, id, ticket->value("Status", std::string()));
    if (entry.contains("status_error")) {
      host().warning(entry["status_error"].get<std::string>());
      host().counter_add("request_tracker_unmapped_status_total");
    }
    // The connector's own RT user created the ticket; its comments are cxloop's own.
    const json creator = ticket->value("Creator", json::object());
    const std::string own_user = creator.is_object() ? creator.value("id", std::string()) : "";
    const json history = all_items(rt_, "/ticket/" + id + "/history?fields=Type,Creator,Created",
                                   "reading the history of ticket " + id);
    bool has_text = false;
    for (const auto& item : history) {
      const std::string type = item.value("Type", std::string());
      has_text = has_text || type == "Correspond" || type == "Comment";
    }
    const json attachments =
        has_text
            ? all_items(rt_,
                        "/ticket/" + id + "/attachments?fields=TransactionId,ContentType,Content",
                        "reading the messages of ticket " + id)
            : json::array();
    const json comments = ticket_comments(history, attachments, own_user);
    if (!comments.empty()) entry["comments"] = comments;
    return entry;
  }

  RtClient rt_;
  sdk::StatusMap status_map_;
};

}  // namespace
}  // namespace cxloop::connectors::request_tracker

CXLOOP_PLUGIN(cxloop::connectors::request_tracker::RequestTrackerConnector, "request_tracker",
              "connector", "1.0.0")

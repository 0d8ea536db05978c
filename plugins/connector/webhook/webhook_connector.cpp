// The webhook department connector: a department without a ticket system integration gets
// its tasks as signed JSON POSTs to a URL of its choosing, and reports progress back by
// signed callbacks. README.md is the receiver author's reference.
//   push      POST {"event": "task.push", "task": {...}}      -> external_ref (idempotent)
//   update    POST {"event": "task.update", "task", "change"} -> {}
//   callback  {"external_ref", "status"?, "comment"?}         -> one task change
#include <chrono>
#include <memory>
#include <string>

#include <cxloop/sdk.hpp>

#include "callback_verifier.hpp"
#include "http_post.hpp"
#include "webhook_settings.hpp"

namespace cxloop::connectors::webhook {
namespace {

using sdk::Error;
using sdk::HttpRequest;
using sdk::json;

std::string first_chars(const std::string& text, std::size_t limit) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

class WebhookConnector : public sdk::ConnectorPlugin {
 public:
  explicit WebhookConnector(sdk::Host host)
      : ConnectorPlugin(host),
        settings_(read_settings(host.config())),
        status_map_(default_status_map(), settings_.status_map),
        verifier_(host, settings_.callback_secret, settings_.replay_window) {
    host.info("webhook connector delivers tasks to " + settings_.url);
  }

  // The outbox's update work carries its own idempotency_key next to task and change; the
  // base class would drop it, and the receiver needs it to recognise a repeated delivery.
  json invoke(const std::string& operation, const json& request) override {
    if (operation == "update") {
      return send_update(require(request, "task"), require(request, "change"),
                         request.value("idempotency_key", std::string()));
    }
    return ConnectorPlugin::invoke(operation, request);
  }

  json push(const json& task) override {
    const json& id = require(task, "id");
    const std::string task_id = id.is_string() ? id.get<std::string>() : id.dump();
    const std::string key = task.value("idempotency_key", std::string("task:" + task_id));
    // A push repeated after a crash returns what the first one recorded, without a 2nd POST.
    if (auto done = host().kv_get("pushed:" + key)) return json::parse(*done);

    const std::string answer =
        post(url_for(task), {{"event", "task.push"}, {"task", delivered(task)}}, "task.push", key,
             "the task");
    json result = {{"external_ref", "webhook:" + task_id}};
    const json reply = json::parse(answer, nullptr, false);
    if (reply.is_object()) {
      if (reply.contains("external_ref")) {
        const json& ref = reply["external_ref"];
        if (!(ref.is_string() && !ref.get<std::string>().empty()) && !ref.is_number_integer()) {
          throw Error(CXLOOP_ERR_INVALID, "the receiver at " + url_for(task) +
                                              " answered with an external_ref that is not a "
                                              "non-empty string: " +
                                              first_chars(answer, 300));
        }
        result["external_ref"] = ref.is_string() ? ref.get<std::string>() : ref.dump();
      }
      if (reply.contains("url") && reply["url"].is_string()) result["url"] = reply["url"];
      if (reply.contains("status") && reply["status"].is_string()) {
        if (auto state = status_map_.to_task_state(reply["status"])) result["status"] = *state;
      }
    }
    host().kv_put("pushed:" + key, result.dump());
    host().counter_add("webhook_deliveries_total", 1, {{"event", "task.push"}});
    return result;
  }

  json update(const json& task, const json& change) override {
    return send_update(task, change, std::string());
  }

  json handle_callback(const HttpRequest& request) override {
    const std::string signature = verifier_.verify(request, std::chrono::system_clock::now());
    const json body = request.json_body();
    if (!body.is_object()) {
      throw Error(CXLOOP_ERR_INVALID,
                  "callback body must be a JSON object {\"external_ref\", \"status\"?, "
                  "\"comment\"?}");
    }
    const auto ref = body.find("external_ref");
    if (ref == body.end() || !ref->is_string() || ref->get<std::string>().empty()) {
      throw Error(CXLOOP_ERR_INVALID,
                  "callback 'external_ref' must be the reference the push returned");
    }
    json change = {{"external_ref", *ref}};
    if (body.contains("status")) change["status"] = task_state(body["status"]);
    if (body.contains("comment")) change["comment"] = comment(body["comment"], signature);
    if (change.size() == 1) {
      throw Error(CXLOOP_ERR_INVALID, "callback carries neither 'status' nor 'comment'");
    }
    host().counter_add("webhook_callbacks_total");
    return json::array({change});
  }

 private:
  json send_update(const json& task, const json& change, const std::string& key) {
    if (!change.is_object()) throw Error(CXLOOP_ERR_INVALID, "'change' must be a JSON object");
    const std::string idempotency_key =
        key.empty() ? "update:" + task.value("external_ref", std::string()) + ":" +
                          signature_header(settings_.secret, "", change.dump()).substr(7, 16)
                    : key;
    post(url_for(task), {{"event", "task.update"}, {"task", delivered(task)}, {"change", change}},
         "task.update", idempotency_key, "the change");
    host().counter_add("webhook_deliveries_total", 1, {{"event", "task.update"}});
    return json::object();
  }

  // The task as the receiver gets it: without the department's connector_settings, which
  // are this connector's configuration, not the department's business.
  static json delivered(json task) {
    if (task.contains("department") && task["department"].is_object()) {
      task["department"].erase("settings");
    }
    return task;
  }

  // One instance may serve several departments: a department's connector_settings "url"
  // (handed over in the task document) replaces the instance's.
  std::string url_for(const json& task) const {
    const json settings = task.value("department", json::object()).value("settings", json());
    if (!settings.is_object() || !settings.contains("url")) return settings_.url;
    const json& url = settings["url"];
    if (!url.is_string() || !is_http_url(url.get<std::string>())) {
      throw Error(CXLOOP_ERR_INVALID,
                  "department '" + task["department"].value("name", std::string()) +
                      "' connector_settings 'url' must be an http:// or https:// URL with a host");
    }
    return url.get<std::string>();
  }

  // POSTs a signed document and returns the receiver's 2xx answer; maps every other outcome
  // to the status that tells the outbox whether to retry.
  std::string post(const std::string& url, const json& document, const std::string& event,
                   const std::string& key, const std::string& what) const {
    const std::string body = document.dump();
    const std::string timestamp =
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count());
    plugins::HttpPostReply reply;
    try {
      reply = plugins::http_post(
          url, "application/json", body,
          {{kTimestampHeader, timestamp},
           {kSignatureHeader, signature_header(settings_.secret, timestamp, body)},
           {"X-Cxloop-Event", event},
           {"Idempotency-Key", key},
           {"Accept", "application/json"}},
          settings_.timeout);
    } catch (const std::runtime_error& e) {
      throw Error(CXLOOP_ERR_UNAVAILABLE,
                  std::string("webhook receiver: ") + e.what() + "; " + what + " will be retried");
    }
    if (reply.status >= 200 && reply.status < 300) return reply.body;
    if (reply.status >= 500 || reply.status == 408 || reply.status == 429) {
      throw Error(CXLOOP_ERR_UNAVAILABLE, "webhook receiver " + url + " answered HTTP " +
                                              std::to_string(reply.status) + "; " + what +
                                              " will be retried");
    }
    throw Error(CXLOOP_ERR_INVALID, "webhook receiver " + url + " refused " + what + " with HTTP " +
                                        std::to_string(reply.status) + ": " +
                                        first_chars(reply.body, 300));
  }

  std::string task_state(const json& status) const {
    if (!status.is_string()) throw Error(CXLOOP_ERR_INVALID, "callback 'status' must be a string");
    if (auto state = status_map_.to_task_state(status.get<std::string>())) return *state;
    throw Error(CXLOOP_ERR_INVALID, "callback 'status' '" + status.get<std::string>() +
                                        "' is not known; send queued, open, in_progress, done "
                                        "or rejected, or map it in settings 'status_map'");
  }

  // A comment as the kernel adds it to the problem's timeline. Its id must be stable so a
  // comment is added once; without one from the department, the callback's signature is it.
  static json comment(const json& given, const std::string& signature) {
    json out = {{"id", "webhook:" + signature.substr(0, 32)}, {"author", "department"}};
    if (given.is_string()) {
      out["body"] = given;
    } else if (given.is_object() && given.contains("body") && given["body"].is_string()) {
      out["body"] = given["body"];
      if (given.contains("id")) {
        out["id"] = given["id"].is_string() ? given["id"].get<std::string>() : given["id"].dump();
      }
      if (given.contains("author") && given["author"].is_string()) out["author"] = given["author"];
      if (given.contains("at") && given["at"].is_string()) out["at"] = given["at"];
    } else {
      throw Error(CXLOOP_ERR_INVALID,
                  "callback 'comment' must be a string or {\"body\", \"id\"?, \"author\"?}");
    }
    if (out["body"].get<std::string>().empty()) {
      throw Error(CXLOOP_ERR_INVALID, "callback 'comment' has an empty body");
    }
    return out;
  }

  WebhookSettings settings_;
  sdk::StatusMap status_map_;
  CallbackVerifier verifier_;
};

}  // namespace
}  // namespace cxloop::connectors::webhook

CXLOOP_PLUGIN(cxloop::connectors::webhook::WebhookConnector, "webhook", "connector", "1.0.0")

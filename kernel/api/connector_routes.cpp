// The two ends of side-effect delivery that people and department systems reach:
//   POST /hooks/connectors/<instance>[/...]  a department system's status callback, handed to
//                                            the connector instance to verify and translate,
//                                            then applied to the tasks it names;
//   /api/v1/outbox                           the admin view of queued, pending and dead work,
//                                            with retry for dead items.
#include <Poco/Logger.h>

#include "api/routes.hpp"

#include "api/auth.hpp"
#include "api/rest_support.hpp"
#include "http/api_error.hpp"
#include "http/problem_response.hpp"
#include "http/router.hpp"
#include "plugin_host/plugin_host.hpp"
#include "plugin_host/plugin_http.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "repository/outbox.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/tasks.hpp"

namespace cxloop::api {

namespace {

nlohmann::json item_json(const repository::OutboxItem& item) {
  nlohmann::json payload = nlohmann::json::parse(item.payload_json, nullptr, false);
  return {{"id", item.id},
          {"target", item.target},
          {"operation", item.operation},
          {"idempotency_key", item.idempotency_key},
          {"state", item.state},
          {"attempts", item.attempts},
          {"last_error", item.last_error},
          {"next_attempt_at", item.next_attempt_at},
          {"created_at", item.created_at},
          {"payload", payload.is_discarded() ? nlohmann::json(item.payload_json) : payload}};
}

http::HttpResponse connector_callback(http::HttpRequest& request, plugin_host::PluginHost& plugins,
                                      workflow::TaskService& tasks) {
  Poco::Logger& logger = Poco::Logger::get("cxloop.connectors");
  const std::string instance = request.params.at("instance");
  const plugin_host::PluginStatus* status = nullptr;
  const auto statuses = plugins.statuses();
  for (const auto& s : statuses) {
    if (s.instance == instance) status = &s;
  }
  if (status == nullptr || status->kind != "connector") {
    return http::problem_response(
        http::ApiError(404, "not-found", "no connector instance is named '" + instance + "'"),
        request.path);
  }
  bool callbacks = false;
  for (const auto& c : status->capabilities) callbacks = callbacks || c == "callbacks";
  if (!callbacks) {
    return http::problem_response(
        http::ApiError(404, "not-found",
                       "connector instance '" + instance +
                           "' takes no callbacks (its manifest lacks the 'callbacks' capability); "
                           "its status is synced by polling"),
        request.path);
  }
  plugin_host::PluginInstance* target = plugins.find(instance);
  if (target == nullptr) {
    return http::problem_response(
        http::ApiError(503, "unavailable",
                       "connector instance '" + instance +
                           "' is not running; GET /api/v1/plugins shows why"),
        request.path);
  }
  nlohmann::json answer;
  try {
    answer = nlohmann::json::parse(target->invoke("callback", plugin_host::request_text(request)));
  } catch (const plugin_host::PluginCallError& error) {
    if (error.status() == CXLOOP_ERR_FORBIDDEN) {
      // The department system could not prove it sent this: it is not authenticated.
      logger.warning("callback to connector '%s' refused: %s", instance, std::string(error.what()));
      return http::problem_response(http::ApiError(401, "unauthorized", error.what()), request.path);
    }
    return plugin_host::plugin_failure_response(error, request.path, logger);
  } catch (const nlohmann::json::exception& error) {
    logger.error("connector '%s' answered a callback with invalid JSON: %s", instance,
                 std::string(error.what()));
    return http::problem_response(
        http::ApiError(500, "plugin-failure",
                       "the connector returned an unusable answer; the server log has details"),
        request.path);
  }
  workflow::ExternalSync sync =
      tasks.apply_external(instance, answer.value("changes", nlohmann::json::array()), "callback");
  for (const auto& ref : sync.unknown_refs) {
    logger.warning("callback to connector '%s' names unknown reference '%s'", instance, ref);
  }
  return json_response(200, sync.to_json());
}

}  // namespace

void register_connector_routes(ApiContext& context) {
  plugin_host::PluginHost& plugins = context.plugins;
  workflow::TaskService& tasks = context.domain.tasks;
  repository::Outbox& outbox = context.outbox;
  const auto callback = [&plugins, &tasks](http::HttpRequest& request) {
    return connector_callback(request, plugins, tasks);
  };
  context.secured.add_public("POST", "/hooks/connectors/{instance}", callback);
  context.secured.add_public("POST", "/hooks/connectors/{instance}/{*rest}", callback);

  context.secured.add("GET", "/api/v1/outbox", {Role::admin},
                      [&outbox](http::HttpRequest& request, const Principal&) {
                        repository::Outbox::Query query;
                        auto state = request.query.find("state");
                        if (state != request.query.end()) {
                          query.state = state->second;
                          if (query.state != "pending" && query.state != "inflight" &&
                              query.state != "done" && query.state != "dead") {
                            throw http::ApiError::bad_request(
                                "state '" + query.state +
                                    "' is not an outbox state; use pending, inflight, done or dead",
                                "/state");
                          }
                        }
                        auto target = request.query.find("target");
                        if (target != request.query.end()) query.target = target->second;
                        query.before_id = query_integer(request, "before", 0);
                        query.limit = static_cast<int>(query_integer(request, "limit", 50));
                        if (query.limit < 1 || query.limit > 200) {
                          throw http::ApiError::bad_request("limit must be between 1 and 200",
                                                            "/limit");
                        }
                        nlohmann::json items = nlohmann::json::array();
                        auto found = outbox.list(query);
                        for (const auto& item : found) items.push_back(item_json(item));
                        nlohmann::json body = {{"items", items}, {"next_before", nullptr}};
                        if (static_cast<int>(found.size()) == query.limit) {
                          body["next_before"] = found.back().id;
                        }
                        return json_response(200, body);
                      });
  context.secured.add("GET", "/api/v1/outbox/{id}", {Role::admin},
                      [&outbox](http::HttpRequest& request, const Principal&) {
                        auto item = outbox.find(path_id(request, "id"));
                        if (!item) {
                          throw http::ApiError(404, "not-found",
                                               "outbox item " + request.params.at("id") +
                                                   " does not exist");
                        }
                        return json_response(200, item_json(*item));
                      });
  context.secured.add("POST", "/api/v1/outbox/{id}/retry", {Role::admin},
                      [&outbox](http::HttpRequest& request, const Principal&) {
                        const std::int64_t id = path_id(request, "id");
                        auto item = outbox.find(id);
                        if (!item) {
                          throw http::ApiError(404, "not-found",
                                               "outbox item " + request.params.at("id") +
                                                   " does not exist");
                        }
                        if (!outbox.retry(id)) {
                          throw http::ApiError(409, "conflict",
                                               "outbox item " + std::to_string(id) + " is " +
                                                   item->state + "; only dead items are retried");
                        }
                        return json_response(200, item_json(*outbox.find(id)));
                      });
}

}  // namespace cxloop::api

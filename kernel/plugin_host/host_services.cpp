#include "plugin_host/host_services.hpp"
#include "plugin_host/plugin_http.hpp"

#include <Poco/Base64Encoder.h>

#include <sstream>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <Poco/Logger.h>
#include <Poco/UUIDGenerator.h>

#include "events/event_bus.hpp"
#include "http/api_error.hpp"
#include "http/problem_response.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "repository/database.hpp"
#include "repository/kv_store.hpp"
#include "repository/outbox.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::plugin_host {
namespace {

using nlohmann::json;

// Text of the last failed host call on this thread (cxloop_host_api::last_error).
thread_local std::string host_last_error;

HostServices& self(cxloop_host_context* ctx) { return *reinterpret_cast<HostServices*>(ctx); }

cxloop_status fail(cxloop_status status, std::string message) {
  host_last_error = std::move(message);
  return status;
}

char* copy_string(const std::string& text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

std::string text_or_empty(const char* text) { return text != nullptr ? text : ""; }

// Runs body, turning every kernel exception into a status; body returns the status itself.
template <typename Body>
cxloop_status guarded(const char* what, Body&& body) noexcept {
  try {
    return body();
  } catch (const workflow::DomainError& e) {
    const std::string message = e.field().empty() ? e.what() : e.field() + ": " + e.what();
    switch (e.kind()) {
      case workflow::ErrorKind::invalid:
        return fail(CXLOOP_ERR_INVALID, message);
      case workflow::ErrorKind::not_found:
        return fail(CXLOOP_ERR_NOT_FOUND, message);
      case workflow::ErrorKind::conflict:
      case workflow::ErrorKind::stale_revision:
        return fail(CXLOOP_ERR_CONFLICT, message);
      case workflow::ErrorKind::forbidden:
        return fail(CXLOOP_ERR_FORBIDDEN, message);
      case workflow::ErrorKind::unavailable:
        return fail(CXLOOP_ERR_UNAVAILABLE, message);
    }
    return fail(CXLOOP_ERR_INTERNAL, message);
  } catch (const repository::DatabaseError& e) {
    return fail(CXLOOP_ERR_UNAVAILABLE, std::string(what) + ": the database failed: " + e.what());
  } catch (const json::exception& e) {
    return fail(CXLOOP_ERR_INVALID, std::string(what) + ": " + e.what());
  } catch (const std::exception& e) {
    return fail(CXLOOP_ERR_INTERNAL, std::string(what) + ": " + e.what());
  } catch (...) {
    return fail(CXLOOP_ERR_INTERNAL, std::string(what) + ": unknown failure");
  }
}

json parse_object(const char* text, const char* what) {
  if (text == nullptr || *text == '\0') return json::object();
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw workflow::DomainError(workflow::ErrorKind::invalid,
                                std::string(what) + " is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) {
    throw workflow::DomainError(workflow::ErrorKind::invalid,
                                std::string(what) + " must be a JSON object");
  }
  return doc;
}

bool pattern_matches(const std::string& pattern, const std::string& type) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
    return type.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  }
  return pattern == type;
}

bool valid_pattern(const std::string& pattern) {
  if (pattern.empty()) return false;
  const auto star = pattern.find('*');
  if (star == std::string::npos) return true;
  return pattern == "*" ||
         (star == pattern.size() - 1 && pattern.size() >= 3 && pattern[star - 1] == '.');
}

bool valid_metric_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

json event_json(const events::Event& event) {
  json data;
  try {
    data = json::parse(event.data_json);
  } catch (const json::parse_error&) {
    data = event.data_json;  // hand it over as text rather than drop the event
  }
  return {{"id", event.id},       {"type", event.type}, {"subject", event.subject},
          {"actor", event.actor}, {"at", event.at},     {"data", data}};
}

}  // namespace

// The request document a plugin's handle_http receives, as JSON text. JSON text must be
// UTF-8 and request bodies need not be (raw 8-bit mail, binary uploads): such a body crosses
// the ABI base64-encoded with "body_encoding": "base64", and the SDK decodes it, so plugins
// always see the bytes that arrived. The common case is serialised once.
std::string request_text(const http::HttpRequest& request) {
  json out = {{"method", request.method},   {"path", request.path},
              {"params", request.params},   {"query", request.query},
              {"headers", request.headers}, {"remote_addr", request.remote_addr},
              {"body", request.body}};
  try {
    return out.dump();
  } catch (const json::type_error&) {
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(0);
    encoder << request.body;
    encoder.close();
    out["body"] = encoded.str();
    out["body_encoding"] = "base64";
    return out.dump();
  }
}

http::HttpResponse plugin_failure_response(const PluginCallError& error, const std::string& path,
                                           Poco::Logger& logger) {
  switch (error.status()) {
    case CXLOOP_ERR_INVALID:
      return http::problem_response(http::ApiError(400, "validation", error.what()), path);
    case CXLOOP_ERR_NOT_FOUND:
      return http::problem_response(http::ApiError(404, "not-found", error.what()), path);
    case CXLOOP_ERR_CONFLICT:
      return http::problem_response(http::ApiError(409, "conflict", error.what()), path);
    case CXLOOP_ERR_FORBIDDEN:
      return http::problem_response(http::ApiError(403, "forbidden", error.what()), path);
    case CXLOOP_ERR_UNSUPPORTED:
      return http::problem_response(http::ApiError(501, "not-implemented", error.what()), path);
    case CXLOOP_ERR_UNAVAILABLE:
      return http::problem_response(http::ApiError(503, "unavailable", error.what()), path);
    default:
      // The details may be internal; the log has them, the client gets a pointer to it.
      logger.error("%s", std::string(error.what()));
      return http::problem_response(
          http::ApiError(500, "plugin-failure",
                         "the plugin failed to handle the request; the server log has details"),
          path);
  }
}

namespace {

// Turns the plugin's response JSON ({status, headers, body}) into an HttpResponse.
http::HttpResponse response_from_json(const std::string& text) {
  const json doc = json::parse(text);
  http::HttpResponse response;
  response.status = doc.value("status", 200);
  if (response.status < 100 || response.status > 599) {
    throw std::runtime_error("the plugin answered with HTTP status " +
                             std::to_string(response.status) + ", outside 100..599");
  }
  if (doc.contains("headers") && doc["headers"].is_object()) {
    for (const auto& [name, value] : doc["headers"].items()) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[lower] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  if (doc.contains("body")) {
    const json& body = doc["body"];
    if (body.is_string()) {
      response.body = body.get<std::string>();
    } else if (!body.is_null()) {
      response.body = body.dump();
      response.headers.emplace("content-type", "application/json");
    }
  }
  return response;
}

// The C entry points: each forwards to the HostServices behind the context.
const char* api_last_error(cxloop_host_context*) { return host_last_error.c_str(); }
void api_free_string(cxloop_host_context*, char* text) { std::free(text); }
void api_log(cxloop_host_context* ctx, cxloop_log_level level, const char* message) {
  self(ctx).log(level, message);
}
void api_metric(cxloop_host_context* ctx, cxloop_metric_kind kind, const char* name,
                const char* labels_json, double value) {
  self(ctx).metric(kind, name, labels_json, value);
}
cxloop_status api_config(cxloop_host_context* ctx, char** out_json) {
  return self(ctx).config(out_json);
}
cxloop_status api_call(cxloop_host_context* ctx, const char* operation, const char* request_json,
                       char** out_json) {
  return self(ctx).call(operation, request_json, out_json);
}
cxloop_status api_subscribe(cxloop_host_context* ctx, const char* pattern) {
  return self(ctx).subscribe(pattern);
}
cxloop_status api_register_route(cxloop_host_context* ctx, const char* method,
                                 const char* path_pattern, int is_public) {
  return self(ctx).register_route(method, path_pattern, is_public);
}
cxloop_status api_kv_get(cxloop_host_context* ctx, const char* key, char** out_value) {
  return self(ctx).kv_get(key, out_value);
}
cxloop_status api_kv_put(cxloop_host_context* ctx, const char* key, const char* value) {
  return self(ctx).kv_put(key, value);
}
cxloop_status api_kv_delete(cxloop_host_context* ctx, const char* key) {
  return self(ctx).kv_delete(key);
}
cxloop_status api_enqueue(cxloop_host_context* ctx, const char* target_instance,
                          const char* operation, const char* payload_json,
                          const char* idempotency_key) {
  return self(ctx).enqueue(target_instance, operation, payload_json, idempotency_key);
}

}  // namespace

HostServices::HostServices(HostEnvironment env, std::string instance, std::string kind,
                           std::string settings_json)
    : env_(env),
      instance_(std::move(instance)),
      kind_(std::move(kind)),
      settings_json_(std::move(settings_json)),
      gate_(std::make_shared<InstanceGate>()),
      table_{} {
  table_.struct_size = sizeof(cxloop_host_api);
  table_.abi_major = CXLOOP_ABI_MAJOR;
  table_.abi_minor = CXLOOP_ABI_MINOR;
  table_.context = reinterpret_cast<cxloop_host_context*>(this);
  table_.last_error = &api_last_error;
  table_.free_string = &api_free_string;
  table_.log = &api_log;
  table_.metric = &api_metric;
  table_.config = &api_config;
  table_.call = &api_call;
  table_.subscribe = &api_subscribe;
  table_.register_route = &api_register_route;
  table_.kv_get = &api_kv_get;
  table_.kv_put = &api_kv_put;
  table_.kv_delete = &api_kv_delete;
  table_.enqueue = &api_enqueue;
}

void HostServices::close_registration() {
  std::lock_guard<std::mutex> lock(mutex_);
  registration_open_ = false;
}

void HostServices::log(cxloop_log_level level, const char* message) noexcept {
  try {
    Poco::Logger& logger = Poco::Logger::get("cxloop.plugins." + instance_);
    const std::string text = text_or_empty(message);
    switch (level) {
      case CXLOOP_LOG_TRACE:
        logger.trace(text);
        break;
      case CXLOOP_LOG_DEBUG:
        logger.debug(text);
        break;
      case CXLOOP_LOG_INFO:
        logger.information(text);
        break;
      case CXLOOP_LOG_WARNING:
        logger.warning(text);
        break;
      default:
        logger.error(text);
        break;
    }
  } catch (...) {
    // Logging must never take the plugin down; there is nowhere left to report to.
  }
}

void HostServices::metric(cxloop_metric_kind kind, const char* name, const char* labels_json,
                          double value) noexcept {
  try {
    const std::string base = text_or_empty(name);
    if (!valid_metric_name(base)) {
      throw std::invalid_argument("metric name '" + base +
                                  "' must be letters, digits and '_', not starting with a digit");
    }
    metrics::Labels labels;
    if (labels_json != nullptr && *labels_json != '\0') {
      const json doc = json::parse(labels_json);
      if (!doc.is_object()) throw std::invalid_argument("metric labels must be a JSON object");
      for (const auto& [label, label_value] : doc.items()) {
        if (!valid_metric_name(label)) {
          throw std::invalid_argument("metric label name '" + label + "' is not valid");
        }
        labels[label] =
            label_value.is_string() ? label_value.get<std::string>() : label_value.dump();
      }
    }
    labels["instance"] = instance_;
    const std::string full = "cxloop_plugin_" + base;
    const std::string help = "Plugin metric " + base + " reported by plugin instances";
    switch (kind) {
      case CXLOOP_METRIC_COUNTER_ADD:
        env_.metrics.counter_add(full, help, labels, value);
        break;
      case CXLOOP_METRIC_GAUGE_SET:
        env_.metrics.gauge_set(full, help, labels, value);
        break;
      case CXLOOP_METRIC_OBSERVE:
        env_.metrics.observe(full, help, labels, value);
        break;
      default:
        throw std::invalid_argument("unknown metric kind " + std::to_string(kind));
    }
  } catch (const std::exception& e) {
    // metric() has no status to return, so a misuse is logged for the plugin's author.
    log(CXLOOP_LOG_WARNING, (std::string("metric dropped: ") + e.what()).c_str());
  }
}

cxloop_status HostServices::config(char** out_json) noexcept {
  return guarded("config", [&] {
    *out_json = copy_string(settings_json_);
    return CXLOOP_OK;
  });
}

cxloop_status HostServices::call(const char* operation, const char* request_json,
                                 char** out_json) noexcept {
  const std::string name = text_or_empty(operation);
  return guarded(("call '" + name + "'").c_str(), [&] {
    const json request = parse_object(request_json, "the request");
    const workflow::Actor actor{"plugin:" + instance_, "plugin"};
    const json result = env_.operations.call(name, request, actor);
    *out_json = copy_string(result.dump());
    return CXLOOP_OK;
  });
}

cxloop_status HostServices::subscribe(const char* pattern_text) noexcept {
  return guarded("subscribe", [&] {
    const std::string pattern = text_or_empty(pattern_text);
    if (!valid_pattern(pattern)) {
      return fail(CXLOOP_ERR_INVALID,
                  "event pattern '" + pattern + "' must be an event type, 'prefix.*' or '*'");
    }
    {
      std::lock_guard<std::mutex> lock(gate_->patterns_mutex);
      gate_->patterns.push_back(pattern);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (subscribed_) return CXLOOP_OK;
    // One bus subscription per instance keeps its events in order and delivered once, even
    // when patterns overlap; the gate's patterns decide what reaches the plugin.
    std::shared_ptr<InstanceGate> gate = gate_;
    const std::string instance = instance_;
    env_.events.subscribe("plugin:" + instance_, "*", [gate, instance](const events::Event& e) {
      {
        std::lock_guard<std::mutex> lock(gate->patterns_mutex);
        bool wanted = false;
        for (const auto& p : gate->patterns) wanted = wanted || pattern_matches(p, e.type);
        if (!wanted) return;
      }
      std::shared_lock<std::shared_mutex> alive(gate->mutex);
      if (gate->target == nullptr) return;  // failed to start or shut down
      std::lock_guard<std::mutex> one_at_a_time(gate->event_mutex);
      try {
        gate->target->on_event(event_json(e).dump());
      } catch (const PluginCallError& error) {
        Poco::Logger::get("cxloop.plugins")
            .warning("event %s (id %s) not handled: %s", e.type, std::to_string(e.id),
                     std::string(error.what()));
        throw;  // the bus counts failed deliveries
      }
    });
    subscribed_ = true;
    return CXLOOP_OK;
  });
}

cxloop_status HostServices::register_route(const char* method_text, const char* path_text,
                                           int is_public) noexcept {
  return guarded("register_route", [&] {
    std::string method = text_or_empty(method_text);
    for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string path = text_or_empty(path_text);
    // OPTIONS lets a public form answer CORS preflights itself.
    if (method != "GET" && method != "POST" && method != "PUT" && method != "PATCH" &&
        method != "DELETE" && method != "OPTIONS") {
      return fail(CXLOOP_ERR_INVALID,
                  "route method '" + method + "' must be GET, POST, PUT, PATCH, DELETE or OPTIONS");
    }
    if (path.empty() || path[0] != '/') {
      return fail(CXLOOP_ERR_INVALID, "route path '" + path + "' must start with '/'");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!registration_open_) {
      return fail(CXLOOP_ERR_INVALID,
                  "routes can only be registered while the instance is created (in the plugin's "
                  "constructor); " +
                      method + " " + path + " was not added");
    }
    const std::string prefix =
        is_public ? "/hooks/" + kind_ + "/" + instance_ : "/plugins/" + instance_;
    // A public "/public/..." path is a site-wide address (a notice feed, an IVR lookup), so it
    // is taken as it is; a second instance claiming it gets the CONFLICT below.
    const bool site_path = is_public && path.rfind("/public/", 0) == 0;
    const std::string pattern = site_path ? path : path == "/" ? prefix : prefix + path;
    std::shared_ptr<InstanceGate> gate = gate_;
    const std::string instance = instance_;
    RouteGuard guard = is_public ? RouteGuard() : route_guard_;
    try {
      env_.router.add(method, pattern, [gate, instance, guard](http::HttpRequest& request) {
        if (guard) guard(request);  // refuses with an ApiError, answered as problem+json
        Poco::Logger& logger = Poco::Logger::get("cxloop.plugins");
        std::shared_lock<std::shared_mutex> alive(gate->mutex);
        if (gate->target == nullptr) {
          return http::problem_response(
              http::ApiError(503, "unavailable",
                             "plugin instance '" + instance +
                                 "' is not running; GET /api/v1/plugins shows why"),
              request.path);
        }
        try {
          return response_from_json(gate->target->handle_http(request_text(request)));
        } catch (const PluginCallError& error) {
          return plugin_failure_response(error, request.path, logger);
        } catch (const std::exception& error) {
          logger.error("plugin instance '%s' returned an unusable HTTP response: %s", instance,
                       std::string(error.what()));
          return http::problem_response(
              http::ApiError(500, "plugin-failure",
                             "the plugin returned an unusable response; the server log has "
                             "details"),
              request.path);
        }
      });
    } catch (const std::logic_error& e) {
      return fail(CXLOOP_ERR_CONFLICT,
                  method + " " + pattern + " is already registered: " + e.what());
    }
    return CXLOOP_OK;
  });
}

cxloop_status HostServices::kv_get(const char* key, char** out_value) noexcept {
  return guarded("kv_get", [&] {
    const std::string k = text_or_empty(key);
    auto value = env_.kv.get(instance_, k);
    if (!value) return fail(CXLOOP_ERR_NOT_FOUND, "no value stored under key '" + k + "'");
    *out_value = copy_string(*value);
    return CXLOOP_OK;
  });
}

cxloop_status HostServices::kv_put(const char* key, const char* value) noexcept {
  return guarded("kv_put", [&] {
    const std::string k = text_or_empty(key);
    if (k.empty()) return fail(CXLOOP_ERR_INVALID, "kv_put needs a non-empty key");
    env_.kv.put(instance_, k, text_or_empty(value));
    return CXLOOP_OK;
  });
}

cxloop_status HostServices::kv_delete(const char* key) noexcept {
  return guarded("kv_delete", [&] {
    const std::string k = text_or_empty(key);
    if (!env_.kv.remove(instance_, k)) {
      return fail(CXLOOP_ERR_NOT_FOUND, "no value stored under key '" + k + "'");
    }
    return CXLOOP_OK;
  });
}

cxloop_status HostServices::enqueue(const char* target_instance, const char* operation,
                                    const char* payload_json,
                                    const char* idempotency_key) noexcept {
  return guarded("enqueue", [&] {
    const std::string target =
        target_instance != nullptr && *target_instance ? target_instance : instance_;
    const std::string op = text_or_empty(operation);
    if (op.empty()) return fail(CXLOOP_ERR_INVALID, "enqueue needs a non-empty operation");
    const json payload = parse_object(payload_json, "the payload");
    std::string key = text_or_empty(idempotency_key);
    if (key.empty()) {
      key = instance_ + ":" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    }
    // A duplicate key means the work is already queued or done: success by design.
    env_.outbox.enqueue(target, op, payload.dump(), key);
    return CXLOOP_OK;
  });
}

}  // namespace cxloop::plugin_host

// The SDK's test harness: a small in-memory host that loads a plugin library the way the
// server does (plugin.json first, then the library and its entry point), creates one instance
// with the settings a test gives, and lets the test call the instance's operations (push,
// update, poll, callback for connectors; any invoke) and inspect what it did to the host:
// key-value store, logs, metrics, enqueued work, routes, subscriptions, business calls.
// No kernel, database or network is involved, so a vendor tests a connector in milliseconds.
//
//   cxloop::sdk::testing::PluginHarness harness("build/plugins/my_connector");
//   harness.create({{"url", "https://tracker.example"}});
//   auto pushed = harness.push({{"id", 7}, {"title", "Fix labels"}, {"idempotency_key", "k1"}});
//   REQUIRE(pushed.ok());  // else pushed.status and pushed.error say why
//
// What it does not do: validate settings against the manifest's config_schema (the server
// does that before the constructor runs, so give the harness settings that pass it), persist
// anything, or run the outbox (enqueued work is recorded, not dispatched). Header-only; link
// the target cxloop::cxloop_sdk_testing (it adds the loader library).
#pragma once

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <dlfcn.h>

#include <nlohmann/json.hpp>

#include "cxloop/plugin_api.h"
#include "cxloop/sdk/entry.hpp"
#include "cxloop/sdk/error.hpp"

namespace cxloop::sdk::testing {

using json = nlohmann::json;

// The outcome of one call into the plugin: a status, the plugin's error text when it is not
// CXLOOP_OK, and the response document when it is.
struct Result {
  cxloop_status status = CXLOOP_OK;
  std::string error;
  json response = json::object();

  bool ok() const { return status == CXLOOP_OK; }
  // "ok: {...}" or "<status>: <error>", for test output (INFO(result.text())).
  std::string text() const {
    return ok() ? "ok: " + response.dump() : std::string(cxloop_status_name(status)) + ": " + error;
  }
};

struct LogLine {
  cxloop_log_level level;
  std::string message;
};

struct MetricSample {
  cxloop_metric_kind kind;
  std::string name;
  json labels;
  double value;
};

struct Route {
  std::string method;
  std::string path;
  bool is_public;
};

// Work the instance queued with Host::enqueue (recorded, never dispatched).
struct EnqueuedWork {
  std::string target_instance;  // this instance's name when the plugin passed none
  std::string operation;
  json payload;
  std::string idempotency_key;
};

// A callback from the department's system, as the kernel receives it on
// POST /hooks/connectors/<instance><path>.
struct CallbackRequest {
  std::string method = "POST";
  std::string path;  // below the instance's hook prefix: "" or "/status"
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // any case; lower-cased as the kernel does
  std::string body;
  std::string remote_addr = "127.0.0.1:40000";
};

// A business operation handler registered with on_call. It may throw cxloop::sdk::Error to
// fail the call with that status.
using CallHandler = std::function<json(const json& request)>;

class PluginHarness {
 public:
  // Reads <plugin_dir>/plugin.json, opens the library it names and checks that the library's
  // name, kind, version and ABI agree with the manifest. Throws std::runtime_error naming the
  // file and what to fix.
  explicit PluginHarness(const std::string& plugin_dir) {
    manifest_ = read_manifest(plugin_dir);
    api_ = open_library(plugin_dir, manifest_);
    host_api_.struct_size = sizeof(cxloop_host_api);
    host_api_.abi_major = CXLOOP_ABI_MAJOR;
    host_api_.abi_minor = CXLOOP_ABI_MINOR;
    host_api_.context = reinterpret_cast<cxloop_host_context*>(&state_);
    host_api_.last_error = &host_last_error;
    host_api_.free_string = &host_free_string;
    host_api_.log = &host_log;
    host_api_.metric = &host_metric;
    host_api_.config = &host_config;
    host_api_.call = &host_call;
    host_api_.subscribe = &host_subscribe;
    host_api_.register_route = &host_register_route;
    host_api_.kv_get = &host_kv_get;
    host_api_.kv_put = &host_kv_put;
    host_api_.kv_delete = &host_kv_delete;
    host_api_.enqueue = &host_enqueue;
  }

  // The library is never closed: like the server, the harness keeps plugin code mapped for
  // the life of the process, so static destructors and thread-local cleanups stay safe.
  ~PluginHarness() {
    if (instance_ != nullptr) api_->destroy(instance_);
  }
  PluginHarness(const PluginHarness&) = delete;
  PluginHarness& operator=(const PluginHarness&) = delete;

  const json& manifest() const { return manifest_; }
  const std::string& kind() const { return kind_; }
  const std::string& instance_name() const { return state_.instance; }

  // Creates the instance with these settings (the object the server config holds under the
  // instance's "settings"). Throws std::runtime_error with the plugin's message when its
  // constructor refuses them, and std::logic_error when an instance exists already.
  void create(const json& settings, const std::string& instance_name = "test") {
    if (instance_ != nullptr) {
      throw std::logic_error("the harness holds one instance; create() was called twice");
    }
    if (!settings.is_object()) throw std::logic_error("settings must be a JSON object");
    state_.instance = instance_name;
    state_.settings = settings;
    state_.creating = true;
    char* error = nullptr;
    instance_ = api_->create(&host_api_, &error);
    state_.creating = false;
    if (instance_ == nullptr) {
      const std::string text = error != nullptr ? error : "(no message)";
      if (error != nullptr) api_->free_string(error);
      throw std::runtime_error("instance '" + instance_name + "' of plugin '" +
                               manifest_.value("name", "") + "' failed at init: " + text);
    }
  }

  // Any kind-specific operation, as the kernel or the outbox invokes it.
  Result invoke(const std::string& operation, const json& request) {
    require_instance(operation);
    char* out = nullptr;
    const std::string text = request.dump();
    Result result;
    result.status = api_->invoke(instance_, operation.c_str(), text.c_str(), &out);
    collect(result, out);
    return result;
  }

  // Connector operations with the documents the kernel sends (see docs/sdk.md).
  Result push(const json& task) { return connector_op("push", task); }
  Result update(const json& task, const json& change) {
    return connector_op("update", {{"task", task}, {"change", change}});
  }
  Result poll(const std::vector<std::string>& refs) {
    return connector_op("poll", {{"refs", refs}});
  }
  Result callback(const CallbackRequest& request) {
    return connector_op("callback", request_document(request));
  }

  // A request on one of the instance's registered routes (handle_http). request is the full
  // document (method, path, params, query, headers, body, remote_addr); the response is
  // {status, headers, body}.
  Result handle_http(const json& request) {
    require_instance("handle_http");
    char* out = nullptr;
    Result result;
    result.status = api_->handle_http(instance_, request.dump().c_str(), &out);
    collect(result, out);
    return result;
  }

  // An event the instance subscribed to (id, type, subject, actor, at, data).
  Result deliver_event(const json& event) {
    require_instance("on_event");
    Result result;
    result.status = api_->on_event(instance_, event.dump().c_str());
    if (result.status != CXLOOP_OK) result.error = api_->last_error(instance_);
    return result;
  }

  // The callback document the kernel builds for POST /hooks/connectors/<instance><path>:
  // header names lower-cased; a body that is not UTF-8 crosses base64-encoded with
  // "body_encoding": "base64" (the SDK decodes it again).
  json request_document(const CallbackRequest& request) const {
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : request.headers) headers[lower(name)] = value;
    json doc = {
        {"method", request.method}, {"path", "/hooks/connectors/" + state_.instance + request.path},
        {"params", json::object()}, {"query", request.query},
        {"headers", headers},       {"remote_addr", request.remote_addr},
        {"body", request.body}};
    try {
      (void)doc.dump();
    } catch (const json::type_error&) {
      doc["body"] = encode_base64(request.body);
      doc["body_encoding"] = "base64";
    }
    return doc;
  }

  // Answers the plugin's Host::call(operation, ...) from now on. Without a handler a call
  // fails with CXLOOP_ERR_UNSUPPORTED.
  void on_call(const std::string& operation, CallHandler handler) {
    std::lock_guard<std::mutex> lock(state_.mutex);
    state_.handlers[operation] = std::move(handler);
  }

  // What the instance did to its host so far (copies, safe while the plugin runs threads).
  std::map<std::string, std::string> kv() const { return locked(state_.kv); }
  std::vector<LogLine> logs() const { return locked(state_.logs); }
  std::vector<MetricSample> metrics() const { return locked(state_.metrics); }
  std::vector<EnqueuedWork> enqueued() const { return locked(state_.enqueued); }
  std::vector<Route> routes() const { return locked(state_.routes); }
  std::vector<std::string> subscriptions() const { return locked(state_.subscriptions); }
  std::vector<std::pair<std::string, json>> calls() const { return locked(state_.calls); }

  // Whether some log line contains fragment.
  bool logged(const std::string& fragment) const {
    for (const auto& line : logs()) {
      if (line.message.find(fragment) != std::string::npos) return true;
    }
    return false;
  }
  // Seeds or changes the kv store as if an earlier run had left it so.
  void kv_put(const std::string& key, const std::string& value) {
    std::lock_guard<std::mutex> lock(state_.mutex);
    state_.kv[key] = value;
  }

 private:
  struct State {
    std::string instance;
    json settings;
    bool creating = false;
    mutable std::mutex mutex;
    std::map<std::thread::id, std::string> errors;
    std::map<std::string, std::string> kv;
    std::vector<LogLine> logs;
    std::vector<MetricSample> metrics;
    std::vector<EnqueuedWork> enqueued;
    std::set<std::string> enqueued_keys;
    std::vector<Route> routes;
    std::vector<std::string> subscriptions;
    std::vector<std::pair<std::string, json>> calls;
    std::map<std::string, CallHandler> handlers;
  };

  template <typename T>
  T locked(const T& member) const {
    std::lock_guard<std::mutex> lock(state_.mutex);
    return member;
  }

  void require_instance(const std::string& operation) const {
    if (instance_ == nullptr) {
      throw std::logic_error("call create(settings) before '" + operation + "'");
    }
  }

  Result connector_op(const std::string& operation, const json& request) {
    if (kind_ != "connector") {
      throw std::logic_error("'" + operation + "' is a connector operation; plugin '" +
                             manifest_.value("name", "") + "' is a " + kind_);
    }
    return invoke(operation, request);
  }

  void collect(Result& result, char* out) {
    std::string text;
    if (out != nullptr) {
      text = out;
      api_->free_string(out);
    }
    if (result.status != CXLOOP_OK) {
      result.error = api_->last_error(instance_);
      return;
    }
    try {
      result.response = text.empty() ? json::object() : json::parse(text);
    } catch (const json::parse_error& e) {
      result.status = CXLOOP_ERR_INTERNAL;
      result.error = std::string("the plugin answered with text that is not JSON: ") + e.what();
    }
  }

  static std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  }

  static std::string encode_base64(const std::string& bytes) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
      const unsigned int n = (static_cast<unsigned char>(bytes[i]) << 16) |
                             (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                             static_cast<unsigned char>(bytes[i + 2]);
      for (int shift = 18; shift >= 0; shift -= 6) out.push_back(alphabet[(n >> shift) & 63]);
    }
    if (i < bytes.size()) {
      unsigned int n = static_cast<unsigned char>(bytes[i]) << 16;
      if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
      out.push_back(alphabet[(n >> 18) & 63]);
      out.push_back(alphabet[(n >> 12) & 63]);
      out.push_back(i + 1 < bytes.size() ? alphabet[(n >> 6) & 63] : '=');
      out.push_back('=');
    }
    return out;
  }

  static json read_manifest(const std::string& plugin_dir) {
    const std::string path = plugin_dir + "/plugin.json";
    std::ifstream in(path);
    if (!in) {
      throw std::runtime_error(path +
                               " cannot be read; pass the folder that holds the "
                               "plugin's plugin.json and library (<build>/plugins/<name>)");
    }
    json manifest;
    try {
      manifest = json::parse(in);
    } catch (const json::parse_error& e) {
      throw std::runtime_error(path + " is not valid JSON: " + e.what());
    }
    for (const char* field : {"name", "kind", "version", "library"}) {
      if (!manifest.contains(field) || !manifest[field].is_string()) {
        throw std::runtime_error(path + ": \"" + field + "\" must be a string");
      }
    }
    const std::string kind = manifest["kind"];
    if (kind != "channel" && kind != "connector" && kind != "analytics" && kind != "notifier") {
      throw std::runtime_error(path + ": \"kind\" is \"" + kind +
                               "\"; use channel, connector, analytics or notifier");
    }
    const json abi = manifest.value("abi", json::object());
    if (!abi.is_object() || !abi.value("major", json()).is_number_unsigned() ||
        !abi.value("minor", json()).is_number_unsigned()) {
      throw std::runtime_error(path + ": \"abi\" must be {\"major\": N, \"minor\": M}");
    }
    if (abi["major"] != CXLOOP_ABI_MAJOR || abi["minor"].get<unsigned>() > CXLOOP_ABI_MINOR) {
      throw std::runtime_error(path + ": abi " + abi["major"].dump() + "." + abi["minor"].dump() +
                               " does not load into this SDK's ABI " +
                               std::to_string(CXLOOP_ABI_MAJOR) + "." +
                               std::to_string(CXLOOP_ABI_MINOR));
    }
    return manifest;
  }

  const cxloop_plugin_api* open_library(const std::string& plugin_dir, const json& manifest) {
    const std::string path = plugin_dir + "/" + manifest["library"].get<std::string>();
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* reason = dlerror();
      throw std::runtime_error("cannot load " + path + ": " +
                               (reason != nullptr ? reason : "unknown loader error"));
    }
    void* symbol = dlsym(handle, CXLOOP_ENTRY_SYMBOL);
    if (symbol == nullptr) {
      throw std::runtime_error(path + " does not export " CXLOOP_ENTRY_SYMBOL
                                      "; add CXLOOP_PLUGIN(...) to one of its sources");
    }
    const auto entry = reinterpret_cast<cxloop_plugin_entry_fn>(symbol);
    const cxloop_plugin_api* api = entry(CXLOOP_ABI_MAJOR, CXLOOP_ABI_MINOR);
    if (api == nullptr || api->struct_size < sizeof(cxloop_plugin_api) ||
        api->abi_major != CXLOOP_ABI_MAJOR) {
      throw std::runtime_error(path +
                               " reports an API table of another ABI; rebuild it with "
                               "this cxloop-sdk");
    }
    for (const auto& [field, value] : {std::pair<const char*, const char*>{"name", api->name},
                                       {"kind", api->kind},
                                       {"version", api->version}}) {
      if (value == nullptr || manifest[field] != value) {
        throw std::runtime_error(path + " reports " + field + " \"" +
                                 (value != nullptr ? value : "") + "\" but plugin.json says " +
                                 manifest[field].dump() +
                                 "; make CXLOOP_PLUGIN(...) and the manifest agree");
      }
    }
    kind_ = api->kind;
    return api;
  }

  // The host API, one static function per member; ctx is this harness's State.
  static State& state(cxloop_host_context* ctx) { return *reinterpret_cast<State*>(ctx); }

  static cxloop_status fail(State& s, cxloop_status status, const std::string& text) {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.errors[std::this_thread::get_id()] = text;
    return status;
  }

  static const char* host_last_error(cxloop_host_context* ctx) {
    State& s = state(ctx);
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.errors[std::this_thread::get_id()].c_str();
  }

  static void host_free_string(cxloop_host_context*, char* text) { std::free(text); }

  static void host_log(cxloop_host_context* ctx, cxloop_log_level level, const char* message) {
    State& s = state(ctx);
    std::lock_guard<std::mutex> lock(s.mutex);
    s.logs.push_back({level, message != nullptr ? message : ""});
  }

  static void host_metric(cxloop_host_context* ctx, cxloop_metric_kind kind, const char* name,
                          const char* labels_json, double value) {
    State& s = state(ctx);
    json labels = json::object();
    if (labels_json != nullptr) labels = json::parse(labels_json, nullptr, false);
    std::lock_guard<std::mutex> lock(s.mutex);
    s.metrics.push_back({kind, name != nullptr ? name : "", labels, value});
  }

  static cxloop_status host_config(cxloop_host_context* ctx, char** out_json) {
    State& s = state(ctx);
    *out_json = detail::copy_string(s.settings.dump());
    return CXLOOP_OK;
  }

  static cxloop_status host_call(cxloop_host_context* ctx, const char* operation,
                                 const char* request_json, char** out_json) {
    State& s = state(ctx);
    *out_json = nullptr;
    const std::string name = operation != nullptr ? operation : "";
    const json request = json::parse(request_json != nullptr ? request_json : "{}", nullptr, false);
    if (request.is_discarded() || !request.is_object()) {
      return fail(s, CXLOOP_ERR_INVALID, "call '" + name + "': the request must be a JSON object");
    }
    CallHandler handler;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.calls.emplace_back(name, request);
      auto it = s.handlers.find(name);
      if (it != s.handlers.end()) handler = it->second;
    }
    if (!handler) {
      return fail(s, CXLOOP_ERR_UNSUPPORTED,
                  "operation '" + name +
                      "' has no handler in the test harness; register one "
                      "with PluginHarness::on_call");
    }
    try {
      *out_json = detail::copy_string(handler(request).dump());
      return CXLOOP_OK;
    } catch (const Error& e) {
      return fail(s, e.status(), e.what());
    } catch (const std::exception& e) {
      return fail(s, CXLOOP_ERR_INTERNAL, e.what());
    }
  }

  static cxloop_status host_subscribe(cxloop_host_context* ctx, const char* pattern) {
    State& s = state(ctx);
    std::lock_guard<std::mutex> lock(s.mutex);
    s.subscriptions.emplace_back(pattern != nullptr ? pattern : "");
    return CXLOOP_OK;
  }

  static cxloop_status host_register_route(cxloop_host_context* ctx, const char* method,
                                           const char* path, int is_public) {
    State& s = state(ctx);
    if (!s.creating) {
      return fail(s, CXLOOP_ERR_CONFLICT,
                  "register_route is accepted only while the instance is being created");
    }
    const Route route{method != nullptr ? method : "", path != nullptr ? path : "", is_public != 0};
    std::lock_guard<std::mutex> lock(s.mutex);
    for (const auto& known : s.routes) {
      if (known.method == route.method && known.path == route.path) {
        s.errors[std::this_thread::get_id()] =
            "route " + route.method + " " + route.path + " is already registered";
        return CXLOOP_ERR_CONFLICT;
      }
    }
    s.routes.push_back(route);
    return CXLOOP_OK;
  }

  static cxloop_status host_kv_get(cxloop_host_context* ctx, const char* key, char** out_value) {
    State& s = state(ctx);
    *out_value = nullptr;
    std::string value;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      auto it = s.kv.find(key != nullptr ? key : "");
      if (it == s.kv.end()) {
        s.errors[std::this_thread::get_id()] = std::string("no kv key '") + key + "'";
        return CXLOOP_ERR_NOT_FOUND;
      }
      value = it->second;
    }
    *out_value = detail::copy_string(value);
    return CXLOOP_OK;
  }

  static cxloop_status host_kv_put(cxloop_host_context* ctx, const char* key, const char* value) {
    State& s = state(ctx);
    if (key == nullptr || *key == '\0' || value == nullptr) {
      return fail(s, CXLOOP_ERR_INVALID, "kv_put needs a non-empty key and a value");
    }
    std::lock_guard<std::mutex> lock(s.mutex);
    s.kv[key] = value;
    return CXLOOP_OK;
  }

  static cxloop_status host_kv_delete(cxloop_host_context* ctx, const char* key) {
    State& s = state(ctx);
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.kv.erase(key != nullptr ? key : "") == 0) {
      s.errors[std::this_thread::get_id()] = std::string("no kv key '") + key + "'";
      return CXLOOP_ERR_NOT_FOUND;
    }
    return CXLOOP_OK;
  }

  static cxloop_status host_enqueue(cxloop_host_context* ctx, const char* target_instance,
                                    const char* operation, const char* payload_json,
                                    const char* idempotency_key) {
    State& s = state(ctx);
    const json payload = json::parse(payload_json != nullptr ? payload_json : "", nullptr, false);
    if (operation == nullptr || *operation == '\0' || payload.is_discarded()) {
      return fail(s, CXLOOP_ERR_INVALID, "enqueue needs an operation and a JSON payload");
    }
    std::lock_guard<std::mutex> lock(s.mutex);
    const std::string key = idempotency_key != nullptr ? idempotency_key : "";
    if (!key.empty() && !s.enqueued_keys.insert(key).second) return CXLOOP_OK;
    s.enqueued.push_back(
        {target_instance != nullptr ? target_instance : s.instance, operation, payload, key});
    return CXLOOP_OK;
  }

  json manifest_;
  std::string kind_;
  const cxloop_plugin_api* api_ = nullptr;
  cxloop_host_api host_api_{};
  State state_;
  cxloop_plugin_instance* instance_ = nullptr;
};

}  // namespace cxloop::sdk::testing

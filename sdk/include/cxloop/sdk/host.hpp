// The C++ view of the services the kernel offers one plugin instance (cxloop_host_api):
// typed JSON in and out, failures as HostError. Cheap to copy; valid while the instance lives.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cxloop/plugin_api.h"
#include "cxloop/sdk/error.hpp"

namespace cxloop::sdk {

using json = nlohmann::json;

class Host {
 public:
  explicit Host(const cxloop_host_api* api) : api_(api) {}

  const cxloop_host_api* raw() const { return api_; }
  // The host's ABI version (a plugin may use newer host members only when minor allows).
  uint32_t abi_major() const { return api_->abi_major; }
  uint32_t abi_minor() const { return api_->abi_minor; }

  void log(cxloop_log_level level, const std::string& message) const {
    api_->log(api_->context, level, message.c_str());
  }
  void debug(const std::string& message) const { log(CXLOOP_LOG_DEBUG, message); }
  void info(const std::string& message) const { log(CXLOOP_LOG_INFO, message); }
  void warning(const std::string& message) const { log(CXLOOP_LOG_WARNING, message); }
  void error(const std::string& message) const { log(CXLOOP_LOG_ERROR, message); }

  // name is prefixed with cxloop_plugin_ by the host, and an instance label is added.
  // labels: a JSON object of string values.
  void metric(cxloop_metric_kind kind, const std::string& name, const json& labels,
              double value) const {
    const std::string text = labels.is_null() ? std::string() : labels.dump();
    api_->metric(api_->context, kind, name.c_str(), text.empty() ? nullptr : text.c_str(), value);
  }
  void counter_add(const std::string& name, double value = 1.0,
                   const json& labels = json::object()) const {
    metric(CXLOOP_METRIC_COUNTER_ADD, name, labels, value);
  }
  void gauge_set(const std::string& name, double value, const json& labels = json::object()) const {
    metric(CXLOOP_METRIC_GAUGE_SET, name, labels, value);
  }
  void observe(const std::string& name, double seconds, const json& labels = json::object()) const {
    metric(CXLOOP_METRIC_OBSERVE, name, labels, seconds);
  }

  // The instance's settings, already validated against the manifest's config_schema.
  json config() const {
    char* out = nullptr;
    check(api_->config(api_->context, &out), "config");
    return json::parse(take(out));
  }

  // A business operation ("case.create", ...; see docs/sdk.md). Throws HostError.
  json call(const std::string& operation, const json& request = json::object()) const {
    char* out = nullptr;
    const std::string text = request.dump();
    check(api_->call(api_->context, operation.c_str(), text.c_str(), &out),
          "call '" + operation + "'");
    const std::string result = take(out);
    return result.empty() ? json::object() : json::parse(result);
  }

  // pattern: "case.created", "case.*" or "*"; events arrive through Plugin::on_event.
  void subscribe(const std::string& pattern) const {
    check(api_->subscribe(api_->context, pattern.c_str()), "subscribe '" + pattern + "'");
  }

  // Routes METHOD path to Plugin::handle_http, under /plugins/<instance> or, when
  // is_public, /hooks/<kind>/<instance>. Call it from the plugin's constructor.
  void register_route(const std::string& method, const std::string& path,
                      bool is_public = false) const {
    check(api_->register_route(api_->context, method.c_str(), path.c_str(), is_public ? 1 : 0),
          "register_route " + method + " " + path);
  }

  std::optional<std::string> kv_get(const std::string& key) const {
    char* out = nullptr;
    const cxloop_status status = api_->kv_get(api_->context, key.c_str(), &out);
    if (status == CXLOOP_ERR_NOT_FOUND) return std::nullopt;
    check(status, "kv_get '" + key + "'");
    return take(out);
  }
  void kv_put(const std::string& key, const std::string& value) const {
    check(api_->kv_put(api_->context, key.c_str(), value.c_str()), "kv_put '" + key + "'");
  }
  // False when the key did not exist.
  bool kv_remove(const std::string& key) const {
    const cxloop_status status = api_->kv_delete(api_->context, key.c_str());
    if (status == CXLOOP_ERR_NOT_FOUND) return false;
    check(status, "kv_delete '" + key + "'");
    return true;
  }

  // Durable work, later delivered to target_instance's invoke(operation, payload) with the
  // idempotency key added to payload as "idempotency_key". Empty target: this instance.
  // Empty idempotency_key: the host makes a unique one.
  void enqueue(const std::string& operation, const json& payload,
               const std::string& idempotency_key = {},
               const std::string& target_instance = {}) const {
    const std::string text = payload.dump();
    check(api_->enqueue(api_->context, target_instance.empty() ? nullptr : target_instance.c_str(),
                        operation.c_str(), text.c_str(),
                        idempotency_key.empty() ? nullptr : idempotency_key.c_str()),
          "enqueue '" + operation + "'");
  }

 private:
  void check(cxloop_status status, const std::string& what) const {
    if (status == CXLOOP_OK) return;
    throw HostError(
        status, what + " failed (" + status_name(status) + "): " + api_->last_error(api_->context));
  }
  // Copies a host-allocated string and releases it with the host's free_string.
  std::string take(char* text) const {
    if (text == nullptr) return {};
    struct Release {
      const cxloop_host_api* api;
      char* text;
      ~Release() { api->free_string(api->context, text); }
    } release{api_, text};
    return std::string(text);
  }

  const cxloop_host_api* api_;
};

}  // namespace cxloop::sdk

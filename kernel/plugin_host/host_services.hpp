// The host API (cxloop_host_api) of one plugin instance: the bridge from the plugin's C calls
// to the kernel's objects. Every entry point catches what the kernel throws and returns a
// status plus a thread-local last_error text; nothing throws back into the plugin.
//
// The instance is known to route handlers and event callbacks only through its InstanceGate,
// so a request that arrives while the instance is being created waits, and one that arrives
// after it was destroyed gets a 503 instead of touching freed memory.
#pragma once

#include <functional>

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cxloop/plugin_api.h"
#include "plugin_host/host_environment.hpp"

namespace cxloop::http {
struct HttpRequest;
}

namespace cxloop::plugin_host {

class PluginInstance;

struct InstanceGate {
  std::shared_mutex mutex;           // exclusive while creating or destroying the instance
  PluginInstance* target = nullptr;  // set once create() succeeded, cleared before destroy
  std::mutex event_mutex;            // on_event runs one event at a time per instance
  std::mutex patterns_mutex;
  std::vector<std::string> patterns;  // event types the instance subscribed to
};

class HostServices {
 public:
  HostServices(HostEnvironment env, std::string instance, std::string kind,
               std::string settings_json);
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  // Checks a request to one of the instance's private routes (/plugins/<instance>/...)
  // before the plugin sees it; throws http::ApiError (401/403) to refuse. Public routes
  // (/hooks/...) are the plugin's own to protect.
  using RouteGuard = std::function<void(const http::HttpRequest&)>;
  void set_route_guard(RouteGuard guard) { route_guard_ = std::move(guard); }

  const cxloop_host_api* table() const { return &table_; }
  const std::shared_ptr<InstanceGate>& gate() const { return gate_; }
  const std::string& instance() const { return instance_; }
  // Called once create() returned: later register_route calls are refused, because the
  // router is not changed while it serves requests.
  void close_registration();

  // One member per cxloop_host_api function. None of them throws.
  void log(cxloop_log_level level, const char* message) noexcept;
  void metric(cxloop_metric_kind kind, const char* name, const char* labels_json,
              double value) noexcept;
  cxloop_status config(char** out_json) noexcept;
  cxloop_status call(const char* operation, const char* request_json, char** out_json) noexcept;
  cxloop_status subscribe(const char* pattern) noexcept;
  cxloop_status register_route(const char* method, const char* path_pattern,
                               int is_public) noexcept;
  cxloop_status kv_get(const char* key, char** out_value) noexcept;
  cxloop_status kv_put(const char* key, const char* value) noexcept;
  cxloop_status kv_delete(const char* key) noexcept;
  cxloop_status enqueue(const char* target_instance, const char* operation,
                        const char* payload_json, const char* idempotency_key) noexcept;

 private:
  HostEnvironment env_;
  std::string instance_;
  std::string kind_;
  std::string settings_json_;
  std::shared_ptr<InstanceGate> gate_;
  cxloop_host_api table_;
  RouteGuard route_guard_;

  mutable std::mutex mutex_;  // guards the members below
  bool registration_open_ = true;
  bool subscribed_ = false;  // one bus subscription per instance, filtered by gate patterns
};

}  // namespace cxloop::plugin_host

// One created plugin instance: the plugin's API table plus the instance handle, with call
// helpers that turn a status and the plugin's last_error into a PluginCallError, and that
// release the plugin's strings with the plugin's own free_string.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "cxloop/plugin_api.h"

namespace cxloop::plugin_host {

class HostServices;

// A plugin callback failed. status() is what the plugin returned; what() names the instance
// and carries the plugin's message.
class PluginCallError : public std::runtime_error {
 public:
  PluginCallError(cxloop_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  cxloop_status status() const { return status_; }

 private:
  cxloop_status status_;
};

class PluginInstance {
 public:
  // Calls api->create with services' host table. Throws std::runtime_error carrying the
  // plugin's own message when create fails.
  static std::unique_ptr<PluginInstance> create(std::string name, const cxloop_plugin_api* api,
                                                std::unique_ptr<HostServices> services);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const std::string& name() const { return name_; }
  std::string plugin() const { return api_->name; }
  std::string kind() const { return api_->kind; }
  std::string version() const { return api_->version; }
  HostServices& services() { return *services_; }

  // Each throws PluginCallError when the plugin returns a status other than CXLOOP_OK.
  void on_event(const std::string& event_json);
  std::string handle_http(const std::string& request_json);
  std::string invoke(const std::string& operation, const std::string& request_json);
  nlohmann::json invoke(const std::string& operation, const nlohmann::json& request);

 private:
  PluginInstance(std::string name, const cxloop_plugin_api* api,
                 std::unique_ptr<HostServices> services, cxloop_plugin_instance* handle);
  // Copies and frees a string the plugin returned; throws PluginCallError for a failure.
  std::string finish(const char* what, cxloop_status status, char* out);

  std::string name_;
  const cxloop_plugin_api* api_;
  // Declared before handle_ is used and destroyed after the plugin: the plugin keeps the
  // host table pointer until destroy.
  std::unique_ptr<HostServices> services_;
  cxloop_plugin_instance* handle_;
};

}  // namespace cxloop::plugin_host

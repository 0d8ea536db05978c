// The plugin host: finds each configured instance's plugin by manifest name in the plugin
// directories and brings it up stage by stage (manifest, abi, open, symbol, abi, config, init).
// A failing instance degrades visibly (log "cxloop.plugins", metric
// cxloop_plugin_load_failures_total{instance,stage}, statuses() for GET /api/v1/plugins);
// a failing required instance makes load() throw so the server does not start.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plugin_host/host_environment.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "plugin_host/plugin_load_error.hpp"

namespace cxloop::plugin_host {

struct PluginStatus {
  std::string instance, plugin, kind, version;
  std::string state;  // running | failed | disabled | stopped (after shutdown)
  std::string stage;  // manifest | open | symbol | abi | config | init, or empty
  std::string error;
  bool required = false;
  std::vector<std::string> capabilities;  // from the manifest ("deliver", "reply_to:email", ...)
};

class PluginHost {
 public:
  PluginHost(HostEnvironment env, std::vector<std::string> plugin_dirs);
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Loads every instance (disabled ones are only listed). All instances are attempted; then
  // the first failing required instance is thrown as PluginLoadError.
  void load(const std::vector<config::PluginInstanceConfig>& instances);
  std::vector<PluginStatus> statuses() const;
  // True when every required instance is running (for /readyz).
  bool required_up() const;
  // The running instance, or nullptr when absent, failed, disabled or shut down.
  PluginInstance* find(const std::string& instance);
  // Destroys instances in reverse load order; their libraries stay loaded. Stop whatever
  // calls find() (the outbox dispatcher) first.
  void shutdown();

  const std::vector<std::string>& plugin_dirs() const { return plugin_dirs_; }

  // Applied to every private plugin route (/plugins/<instance>/...) of instances loaded
  // afterwards; the server sets one that requires an admin or agent token.
  void set_private_route_guard(HostServices::RouteGuard guard) { route_guard_ = std::move(guard); }

 private:
  struct Loaded;
  struct Catalog;
  void load_one(const config::PluginInstanceConfig& config, const Catalog& catalog, Loaded& loaded);

  HostEnvironment env_;
  std::vector<std::string> plugin_dirs_;
  HostServices::RouteGuard route_guard_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Loaded>> loaded_;
};

}  // namespace cxloop::plugin_host

#include "plugin_host/plugin_instance.hpp"

#include <stdexcept>

#include "plugin_host/host_services.hpp"

namespace cxloop::plugin_host {

std::unique_ptr<PluginInstance> PluginInstance::create(std::string name,
                                                       const cxloop_plugin_api* api,
                                                       std::unique_ptr<HostServices> services) {
  char* error = nullptr;
  cxloop_plugin_instance* handle = api->create(services->table(), &error);
  if (handle == nullptr) {
    std::string message = error != nullptr ? error : "create() failed without a message";
    if (error != nullptr) api->free_string(error);
    throw std::runtime_error(message);
  }
  return std::unique_ptr<PluginInstance>(
      new PluginInstance(std::move(name), api, std::move(services), handle));
}

PluginInstance::PluginInstance(std::string name, const cxloop_plugin_api* api,
                               std::unique_ptr<HostServices> services,
                               cxloop_plugin_instance* handle)
    : name_(std::move(name)), api_(api), services_(std::move(services)), handle_(handle) {}

PluginInstance::~PluginInstance() { api_->destroy(handle_); }

std::string PluginInstance::finish(const char* what, cxloop_status status, char* out) {
  std::string text = out != nullptr ? out : "";
  if (out != nullptr) api_->free_string(out);
  if (status != CXLOOP_OK) {
    const char* error = api_->last_error(handle_);
    throw PluginCallError(status, "plugin instance '" + name_ + "' " + what + " failed (" +
                                      cxloop_status_name(status) +
                                      "): " + (error != nullptr && *error ? error : "no message"));
  }
  return text;
}

void PluginInstance::on_event(const std::string& event_json) {
  finish("on_event", api_->on_event(handle_, event_json.c_str()), nullptr);
}

std::string PluginInstance::handle_http(const std::string& request_json) {
  char* out = nullptr;
  const cxloop_status status = api_->handle_http(handle_, request_json.c_str(), &out);
  return finish("handle_http", status, out);
}

std::string PluginInstance::invoke(const std::string& operation, const std::string& request_json) {
  char* out = nullptr;
  const cxloop_status status = api_->invoke(handle_, operation.c_str(), request_json.c_str(), &out);
  return finish(("invoke '" + operation + "'").c_str(), status, out);
}

nlohmann::json PluginInstance::invoke(const std::string& operation, const nlohmann::json& request) {
  const std::string text = invoke(operation, request.dump());
  if (text.empty()) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw PluginCallError(CXLOOP_ERR_INTERNAL, "plugin instance '" + name_ + "' invoke '" +
                                                   operation +
                                                   "' returned invalid JSON: " + e.what());
  }
}

}  // namespace cxloop::plugin_host

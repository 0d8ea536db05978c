// The failure of one plugin instance's load, tagged with the stage that failed so operators
// know where to look: manifest, open, symbol, abi, config or init.
#pragma once

#include <stdexcept>
#include <string>

namespace cxloop::plugin_host {

class PluginLoadError : public std::runtime_error {
 public:
  PluginLoadError(std::string instance, std::string stage, const std::string& message)
      : std::runtime_error("plugin instance '" + instance + "' failed at stage " + stage + ": " +
                           message),
        instance_(std::move(instance)),
        stage_(std::move(stage)),
        detail_(message) {}

  const std::string& instance() const { return instance_; }
  const std::string& stage() const { return stage_; }
  // The message without the instance and stage prefix.
  const std::string& detail() const { return detail_; }

 private:
  std::string instance_;
  std::string stage_;
  std::string detail_;
};

}  // namespace cxloop::plugin_host

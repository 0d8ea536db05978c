// A plugin's manifest (plugin.json): who the plugin is, which ABI it was built for, which
// library holds it and the JSON Schema its instance settings must satisfy. The manifest is
// read and checked before the library is opened, so a wrong plugin never runs code.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cxloop::plugin_host {

struct AbiVersion {
  int major = 0;
  int minor = 0;
};

struct Manifest {
  std::string name;
  std::string kind;  // channel | connector | analytics | notifier
  std::string version;
  std::string description;
  AbiVersion abi;
  std::string library;  // file name inside the manifest's folder
  nlohmann::json config_schema = nlohmann::json::object();
  std::vector<std::string> capabilities;
  std::string path;       // the plugin.json file
  std::string directory;  // the folder holding plugin.json and the library
};

// A manifest that cannot be used; what() names the file and the field to fix.
class ManifestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and checks path (a plugin.json). Throws ManifestError.
Manifest read_manifest(const std::string& path);
// Checks manifest text; source names it in messages. directory is left empty.
Manifest parse_manifest(const std::string& text, const std::string& source);

// Checks settings against the manifest's config_schema. Returns one line per violation,
// each starting with its key path below /settings ("/settings/url: ..."); empty when valid.
std::vector<std::string> validate_settings(const Manifest& manifest,
                                           const nlohmann::json& settings);

bool is_plugin_kind(const std::string& kind);

}  // namespace cxloop::plugin_host

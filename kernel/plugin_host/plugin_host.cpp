#include "plugin_host/plugin_host.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>

#include <Poco/Logger.h>

#include "metrics/metrics.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/manifest.hpp"
#include "plugin_host/plugin_library.hpp"

namespace cxloop::plugin_host {
namespace fs = std::filesystem;

namespace {

constexpr const char* kUpHelp = "1 when the plugin instance is running, 0 otherwise";
constexpr const char* kFailuresHelp = "Plugin instances that failed to load, by stage";

std::string abi_text(long long major, long long minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

const std::string kKernelAbi = abi_text(CXLOOP_ABI_MAJOR, CXLOOP_ABI_MINOR);

// Checks the ABI a plugin claims (in its manifest or its API table) against the kernel's.
void check_abi(const std::string& instance, const std::string& plugin, const std::string& where,
               long long major, long long minor) {
  const std::string theirs = abi_text(major, minor);
  if (major != CXLOOP_ABI_MAJOR) {
    throw PluginLoadError(instance, "abi",
                          "plugin '" + plugin + "' is built for ABI " + theirs + " (" + where +
                              ") but this server supports ABI " + kKernelAbi +
                              "; rebuild the plugin with cxloop-sdk " +
                              std::to_string(CXLOOP_ABI_MAJOR) +
                              ".x or run a server that supports ABI " + std::to_string(major));
  }
  if (minor > CXLOOP_ABI_MINOR) {
    throw PluginLoadError(instance, "abi",
                          "plugin '" + plugin + "' needs ABI " + theirs + " (" + where +
                              ") but this server supports only ABI " + kKernelAbi +
                              "; upgrade the server or rebuild the plugin with cxloop-sdk " +
                              kKernelAbi);
  }
}

bool valid_instance_name(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

}  // namespace

struct PluginHost::Loaded {
  PluginStatus status;
  std::unique_ptr<PluginInstance> instance;
  std::shared_ptr<InstanceGate> gate;
};

// Every manifest found in the plugin directories, read once per load().
struct PluginHost::Catalog {
  std::map<std::string, Manifest> by_name;
  std::vector<std::pair<fs::path, std::string>> broken;  // plugin.json path, error

  explicit Catalog(const std::vector<std::string>& dirs) {
    Poco::Logger& logger = Poco::Logger::get("cxloop.plugins");
    for (const auto& dir : dirs) {
      std::error_code error;
      if (!fs::is_directory(dir, error)) {
        logger.warning("plugin directory %s does not exist or is not a directory", dir);
        continue;
      }
      std::vector<fs::path> folders;
      for (const auto& entry : fs::directory_iterator(dir, error)) {
        if (entry.is_directory(error)) folders.push_back(entry.path());
      }
      std::sort(folders.begin(), folders.end());
      for (const auto& folder : folders) {
        const fs::path file = folder / "plugin.json";
        if (!fs::exists(file, error)) continue;
        try {
          Manifest manifest = read_manifest(file.string());
          if (by_name.count(manifest.name) != 0) {
            logger.warning("plugin '%s' in %s is ignored: the one in %s comes first", manifest.name,
                           file.string(), by_name[manifest.name].path);
            continue;
          }
          by_name.emplace(manifest.name, std::move(manifest));
        } catch (const ManifestError& e) {
          broken.emplace_back(file, e.what());
        }
      }
    }
  }
};

PluginHost::PluginHost(HostEnvironment env, std::vector<std::string> plugin_dirs)
    : env_(env), plugin_dirs_(std::move(plugin_dirs)) {}

PluginHost::~PluginHost() { shutdown(); }

void PluginHost::load(const std::vector<config::PluginInstanceConfig>& instances) {
  Poco::Logger& logger = Poco::Logger::get("cxloop.plugins");
  const Catalog catalog(plugin_dirs_);
  std::optional<PluginLoadError> first_required_failure;

  for (const auto& config : instances) {
    auto loaded = std::make_unique<Loaded>();
    loaded->status.instance = config.name;
    loaded->status.plugin = config.plugin;
    loaded->status.required = config.required;
    if (!config.enabled) {
      loaded->status.state = "disabled";
      logger.information("plugin instance '%s' is disabled", config.name);
    } else {
      try {
        load_one(config, catalog, *loaded);
        loaded->status.state = "running";
        logger.information("plugin instance '%s' is running (plugin %s %s, %s)", config.name,
                           loaded->status.plugin, loaded->status.version, loaded->status.kind);
      } catch (const PluginLoadError& e) {
        loaded->status.state = "failed";
        loaded->status.stage = e.stage();
        loaded->status.error = e.detail();
        logger.error("%s%s", std::string(e.what()),
                     std::string(config.required ? " (required: the server will not start)"
                                                 : " (not required: running without it)"));
        env_.metrics.counter_add("cxloop_plugin_load_failures_total", kFailuresHelp,
                                 {{"instance", config.name}, {"stage", e.stage()}});
        if (config.required && !first_required_failure) first_required_failure = e;
      }
    }
    env_.metrics.gauge_set("cxloop_plugin_up", kUpHelp,
                           {{"instance", config.name}, {"kind", loaded->status.kind}},
                           loaded->status.state == "running" ? 1.0 : 0.0);
    std::lock_guard<std::mutex> lock(mutex_);
    loaded_.push_back(std::move(loaded));
  }
  if (first_required_failure) throw *first_required_failure;
}

void PluginHost::load_one(const config::PluginInstanceConfig& config, const Catalog& catalog,
                          Loaded& loaded) {
  const std::string& instance = config.name;

  // Stage manifest: find the plugin by name; a broken manifest in a folder of that name is
  // most likely the one meant, so its error is the one to show.
  auto found = catalog.by_name.find(config.plugin);
  if (found == catalog.by_name.end()) {
    for (const auto& [path, error] : catalog.broken) {
      if (path.parent_path().filename() == config.plugin) {
        throw PluginLoadError(instance, "manifest", error);
      }
    }
    std::string message = "no plugin named '" + config.plugin + "' in the plugin directories [" +
                          join(plugin_dirs_, ", ") +
                          "] (each plugin is a folder holding plugin.json and its library); "
                          "check the instance's \"plugin\" or the plugin_dirs setting";
    for (const auto& [path, error] : catalog.broken) message += "; unreadable: " + error;
    throw PluginLoadError(instance, "manifest", message);
  }
  const Manifest& manifest = found->second;
  loaded.status.kind = manifest.kind;
  loaded.status.version = manifest.version;
  loaded.status.capabilities = manifest.capabilities;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& other : loaded_) {
      if (other->status.instance == instance) {
        throw PluginLoadError(instance, "config",
                              "instance name '" + instance + "' is used twice; rename one of them");
      }
    }
  }

  // The manifest's ABI is checked before any code of the plugin runs.
  check_abi(instance, manifest.name, "manifest " + manifest.path, manifest.abi.major,
            manifest.abi.minor);

  // Stage open.
  const std::string library_path = (fs::path(manifest.directory) / manifest.library).string();
  const PluginLibrary* library = nullptr;
  try {
    library = &PluginLibrary::open(library_path);
  } catch (const std::exception& e) {
    throw PluginLoadError(instance, "open", e.what());
  }

  // Stage symbol.
  if (library->entry() == nullptr) {
    throw PluginLoadError(
        instance, "symbol",
        library_path +
            " does not export " CXLOOP_ENTRY_SYMBOL
            "; the plugin may be built for another ABI major (this server loads ABI " +
            std::to_string(CXLOOP_ABI_MAJOR) +
            " plugins) or lack CXLOOP_PLUGIN(...); rebuild it with cxloop-sdk " + kKernelAbi);
  }

  // Stage abi: the table the library really carries.
  const cxloop_plugin_api* api = library->entry()(CXLOOP_ABI_MAJOR, CXLOOP_ABI_MINOR);
  if (api == nullptr) {
    throw PluginLoadError(instance, "abi",
                          "plugin '" + manifest.name + "' refused this server's ABI " + kKernelAbi +
                              "; upgrade the server or rebuild the plugin");
  }
  check_abi(instance, manifest.name, "library " + library_path, api->abi_major, api->abi_minor);
  if (api->struct_size < offsetof(cxloop_plugin_api, invoke) + sizeof(api->invoke) ||
      api->create == nullptr || api->destroy == nullptr || api->free_string == nullptr ||
      api->last_error == nullptr || api->on_event == nullptr || api->handle_http == nullptr ||
      api->invoke == nullptr) {
    throw PluginLoadError(instance, "abi",
                          library_path +
                              " has an incomplete plugin API table; rebuild the plugin "
                              "with cxloop-sdk " +
                              kKernelAbi);
  }
  const auto mismatch = [&](const char* field, const char* theirs, const std::string& ours) {
    const std::string value = theirs != nullptr ? theirs : "";
    if (value != ours) {
      throw PluginLoadError(instance, "abi",
                            library_path + " reports " + field + " '" + value + "' but " +
                                manifest.path + " says '" + ours +
                                "'; rebuild the plugin or fix its manifest so they agree");
    }
  };
  mismatch("name", api->name, manifest.name);
  mismatch("kind", api->kind, manifest.kind);
  mismatch("version", api->version, manifest.version);

  // Stage config.
  if (!valid_instance_name(instance)) {
    throw PluginLoadError(instance, "config",
                          "instance name '" + instance +
                              "' may only hold letters, digits, '_' and '-' (it is part of URLs)");
  }
  nlohmann::json settings;
  try {
    settings = nlohmann::json::parse(config.settings_json);
  } catch (const nlohmann::json::parse_error& e) {
    throw PluginLoadError(instance, "config",
                          std::string("/settings: not valid JSON: ") + e.what());
  }
  const std::vector<std::string> violations = validate_settings(manifest, settings);
  if (!violations.empty()) {
    throw PluginLoadError(instance, "config",
                          "settings do not match the config_schema of plugin '" + manifest.name +
                              "': " + join(violations, "; "));
  }

  // Stage init. The gate stays locked until the instance exists, so events and requests
  // that arrive meanwhile wait for it.
  auto services = std::make_unique<HostServices>(env_, instance, manifest.kind, settings.dump());
  services->set_route_guard(route_guard_);
  HostServices* services_ptr = services.get();
  std::shared_ptr<InstanceGate> gate = services->gate();
  std::unique_lock<std::shared_mutex> creating(gate->mutex);
  try {
    loaded.instance = PluginInstance::create(instance, api, std::move(services));
  } catch (const std::exception& e) {
    throw PluginLoadError(instance, "init", e.what());
  }
  services_ptr->close_registration();
  gate->target = loaded.instance.get();
  loaded.gate = gate;
}

std::vector<PluginStatus> PluginHost::statuses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<PluginStatus> out;
  out.reserve(loaded_.size());
  for (const auto& loaded : loaded_) out.push_back(loaded->status);
  return out;
}

bool PluginHost::required_up() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::all_of(loaded_.begin(), loaded_.end(), [](const auto& loaded) {
    return !loaded->status.required || loaded->instance != nullptr;
  });
}

PluginInstance* PluginHost::find(const std::string& instance) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& loaded : loaded_) {
    if (loaded->status.instance == instance) return loaded->instance.get();
  }
  return nullptr;
}

void PluginHost::shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = loaded_.rbegin(); it != loaded_.rend(); ++it) {
    Loaded& loaded = **it;
    if (loaded.instance == nullptr) continue;
    {
      // Waits for requests and events in progress; later ones find no target.
      std::unique_lock<std::shared_mutex> closing(loaded.gate->mutex);
      loaded.gate->target = nullptr;
      loaded.instance.reset();
    }
    loaded.status.state = "stopped";
    env_.metrics.gauge_set("cxloop_plugin_up", kUpHelp,
                           {{"instance", loaded.status.instance}, {"kind", loaded.status.kind}},
                           0.0);
  }
}

}  // namespace cxloop::plugin_host

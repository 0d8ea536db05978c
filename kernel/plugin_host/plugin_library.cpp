#include "plugin_host/plugin_library.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>

namespace cxloop::plugin_host {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<boost::dll::shared_library>> handles;
  std::map<std::string, std::unique_ptr<PluginLibrary>> libraries;
};

// Deliberately leaked: destroying it at exit would unload libraries whose code static
// destructors or detached threads may still run.
Registry& registry() {
  static Registry* instance = new Registry;
  return *instance;
}

// Boost.DLL clears dlerror() and reports only a generic error code, but the loader's text
// ("undefined symbol: ...", "libfoo.so: cannot open shared object file") is what tells an
// operator what to fix, so ask the loader once more for it.
std::string loader_reason(const std::string& path, const boost::dll::fs::error_code& fallback) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle != nullptr) {
    dlclose(handle);
    return fallback.message();
  }
  const char* reason = dlerror();
  return reason != nullptr ? reason : fallback.message();
}

}  // namespace

const PluginLibrary& PluginLibrary::open(const std::string& path) {
  std::error_code fs_error;
  const std::string key = std::filesystem::weakly_canonical(path, fs_error).string();
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  auto found = reg.libraries.find(key);
  if (found != reg.libraries.end()) return *found->second;

  if (!std::filesystem::exists(path, fs_error)) {
    throw std::runtime_error("library file " + path +
                             " does not exist; build the plugin or fix "
                             "\"library\" in its plugin.json");
  }
  auto handle = std::make_unique<boost::dll::shared_library>();
  boost::dll::fs::error_code load_error;
  handle->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
               load_error);
  if (load_error || !handle->is_loaded()) {
    throw std::runtime_error("cannot load " + path + ": " + loader_reason(path, load_error));
  }
  cxloop_plugin_entry_fn entry = nullptr;
  if (handle->has(CXLOOP_ENTRY_SYMBOL)) {
    entry = handle->get<const cxloop_plugin_api*(uint32_t, uint32_t)>(CXLOOP_ENTRY_SYMBOL);
  }
  auto library = std::unique_ptr<PluginLibrary>(new PluginLibrary(path, entry));
  const PluginLibrary& result = *library;
  reg.handles.emplace(key, std::move(handle));
  reg.libraries.emplace(key, std::move(library));
  return result;
}

}  // namespace cxloop::plugin_host

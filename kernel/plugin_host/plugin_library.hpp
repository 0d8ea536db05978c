// An opened plugin library. Libraries are opened with RTLD_NOW | RTLD_LOCAL (unresolved
// symbols fail the load at once; a plugin's copies of json or Boost never meet the kernel's)
// and are kept in a process-lifetime registry that never unloads them: code of a library may
// still be referenced (a std::function, a vtable, a thread) after its instances are gone.
#pragma once

#include <string>

#include "cxloop/plugin_api.h"

namespace cxloop::plugin_host {

class PluginLibrary {
 public:
  // Opens path, or returns the library already opened from it. Throws std::runtime_error
  // with the loader's message when the file is missing or cannot be loaded.
  static const PluginLibrary& open(const std::string& path);

  const std::string& path() const { return path_; }
  // The entry point CXLOOP_ENTRY_SYMBOL, or nullptr when the library does not export it.
  cxloop_plugin_entry_fn entry() const { return entry_; }

 private:
  PluginLibrary(std::string path, cxloop_plugin_entry_fn entry)
      : path_(std::move(path)), entry_(entry) {}

  std::string path_;
  cxloop_plugin_entry_fn entry_;
};

}  // namespace cxloop::plugin_host

// The bridge from the C ABI to a C++ plugin class: CXLOOP_PLUGIN(ClassName, "name", "kind",
// "version") defines the exported entry point and the cxloop_plugin_api table. Every call is
// wrapped so that no exception crosses the boundary: Error keeps its status, other
// std::exceptions become CXLOOP_ERR_INTERNAL, and the text is kept per instance per thread for
// last_error. Strings handed to the host are malloc'ed and released by free_string.
#pragma once

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "cxloop/plugin_api.h"
#include "cxloop/sdk/error.hpp"
#include "cxloop/sdk/host.hpp"
#include "cxloop/sdk/http.hpp"
#include "cxloop/sdk/plugin.hpp"

namespace cxloop::sdk::detail {

// One created instance plus the last error text of each thread that called it.
class InstanceBox {
 public:
  std::unique_ptr<Plugin> plugin;

  void set_error(std::string text) {
    std::lock_guard<std::mutex> lock(mutex_);
    errors_[std::this_thread::get_id()] = std::move(text);
  }
  // std::map nodes never move, so the pointer stays valid until this thread's next call.
  const char* error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_[std::this_thread::get_id()].c_str();
  }

 private:
  std::mutex mutex_;
  std::map<std::thread::id, std::string> errors_;
};

inline char* copy_string(const std::string& text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

inline json parse_request(const char* text, const char* what) {
  if (text == nullptr || *text == '\0') return json::object();
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(CXLOOP_ERR_INVALID, std::string(what) + " is not valid JSON: " + e.what());
  }
}

// Runs body and turns whatever it throws into a status plus the instance's last_error.
template <typename Body>
cxloop_status guarded(InstanceBox* box, Body&& body) noexcept {
  try {
    body();
    return CXLOOP_OK;
  } catch (const Error& e) {
    box->set_error(e.what());
    return e.status();
  } catch (const json::exception& e) {
    // Reading a member of the wrong type or shape: the request, not a retry, must change.
    box->set_error(std::string("unexpected JSON content: ") + e.what());
    return CXLOOP_ERR_INVALID;
  } catch (const std::exception& e) {
    box->set_error(e.what());
    return CXLOOP_ERR_INTERNAL;
  } catch (...) {
    box->set_error("the plugin threw an exception that is not a std::exception");
    return CXLOOP_ERR_INTERNAL;
  }
}

constexpr bool same_text(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

template <class PluginClass>
struct Adapter {
  static InstanceBox* box(cxloop_plugin_instance* instance) {
    return reinterpret_cast<InstanceBox*>(instance);
  }

  static cxloop_plugin_instance* create(const cxloop_host_api* host, char** out_error) noexcept {
    std::string error;
    try {
      auto created = std::make_unique<InstanceBox>();
      created->plugin = std::make_unique<PluginClass>(Host(host));
      return reinterpret_cast<cxloop_plugin_instance*>(created.release());
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "the plugin constructor threw an exception that is not a std::exception";
    }
    if (out_error != nullptr) {
      try {
        *out_error = copy_string(error);
      } catch (...) {
        *out_error = nullptr;
      }
    }
    return nullptr;
  }

  static void destroy(cxloop_plugin_instance* instance) noexcept { delete box(instance); }

  static void free_string(char* text) noexcept { std::free(text); }

  static const char* last_error(cxloop_plugin_instance* instance) noexcept {
    try {
      return box(instance)->error();
    } catch (...) {
      return "out of memory while reporting the last error";
    }
  }

  static cxloop_status on_event(cxloop_plugin_instance* instance, const char* event_json) noexcept {
    InstanceBox* b = box(instance);
    return guarded(b, [&] { b->plugin->on_event(parse_request(event_json, "event")); });
  }

  static cxloop_status handle_http(cxloop_plugin_instance* instance, const char* request_json,
                                   char** out_response_json) noexcept {
    InstanceBox* b = box(instance);
    *out_response_json = nullptr;
    return guarded(b, [&] {
      const HttpRequest request =
          HttpRequest::from_json(parse_request(request_json, "HTTP request"));
      *out_response_json = copy_string(b->plugin->handle_http(request).to_json().dump());
    });
  }

  static cxloop_status invoke(cxloop_plugin_instance* instance, const char* operation,
                              const char* request_json, char** out_response_json) noexcept {
    InstanceBox* b = box(instance);
    *out_response_json = nullptr;
    return guarded(b, [&] {
      const std::string name = operation == nullptr ? std::string() : std::string(operation);
      json result = b->plugin->invoke(name, parse_request(request_json, "request"));
      if (result.is_null()) result = json::object();
      *out_response_json = copy_string(result.dump());
    });
  }

  static cxloop_plugin_api table(const char* name, const char* kind, const char* version) {
    cxloop_plugin_api api{};
    api.struct_size = sizeof(cxloop_plugin_api);
    api.abi_major = CXLOOP_ABI_MAJOR;
    api.abi_minor = CXLOOP_ABI_MINOR;
    api.name = name;
    api.kind = kind;
    api.version = version;
    api.create = &create;
    api.destroy = &destroy;
    api.free_string = &free_string;
    api.last_error = &last_error;
    api.on_event = &on_event;
    api.handle_http = &handle_http;
    api.invoke = &invoke;
    return api;
  }
};

}  // namespace cxloop::sdk::detail

// The entry symbol carries the ABI major: cxloop_plugin_entry_v1 for CXLOOP_ABI_MAJOR 1.
#define CXLOOP_SDK_CONCAT_(a, b) a##b
#define CXLOOP_SDK_CONCAT(a, b) CXLOOP_SDK_CONCAT_(a, b)
#define CXLOOP_SDK_ENTRY_NAME CXLOOP_SDK_CONCAT(cxloop_plugin_entry_v, CXLOOP_ABI_MAJOR)

// Registers ClassName (derived from ChannelPlugin, ConnectorPlugin, AnalyticsPlugin or
// NotifierPlugin, constructible from cxloop::sdk::Host) as the library's plugin. name and
// version must equal the manifest's; use it once per library, at namespace scope.
#define CXLOOP_PLUGIN(ClassName, plugin_name, plugin_kind, plugin_version)                     \
  static_assert(std::is_base_of<::cxloop::sdk::Plugin, ClassName>::value,                      \
                #ClassName " must derive from a cxloop::sdk plugin kind class");               \
  static_assert(std::is_constructible<ClassName, ::cxloop::sdk::Host>::value,                  \
                #ClassName " needs a constructor taking cxloop::sdk::Host");                   \
  static_assert(::cxloop::sdk::detail::same_text(ClassName::kind_name, plugin_kind),           \
                "the kind given to CXLOOP_PLUGIN differs from the base class of " #ClassName); \
  extern "C" __attribute__((visibility("default"))) const cxloop_plugin_api*                   \
  CXLOOP_SDK_ENTRY_NAME(uint32_t host_abi_major, uint32_t host_abi_minor) {                    \
    /* The host checks versions from the table; the arguments let a future SDK adapt. */       \
    (void)host_abi_major;                                                                      \
    (void)host_abi_minor;                                                                      \
    static const cxloop_plugin_api table = ::cxloop::sdk::detail::Adapter<ClassName>::table(   \
        plugin_name, plugin_kind, plugin_version);                                             \
    return &table;                                                                             \
  }

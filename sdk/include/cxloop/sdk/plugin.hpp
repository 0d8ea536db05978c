// The base of every plugin class. A plugin is constructed once per configured instance with
// the Host it talks to; the constructor is the place to read config(), subscribe to events and
// register routes. Each kind (channel, connector, analytics, notifier) derives from this and
// turns invoke(operation, request) into typed virtual functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cxloop/sdk/error.hpp"
#include "cxloop/sdk/host.hpp"
#include "cxloop/sdk/http.hpp"

namespace cxloop::sdk {

class Plugin {
 public:
  explicit Plugin(Host host) : host_(host) {}
  virtual ~Plugin() = default;
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  // An event this instance subscribed to (id, type, subject, actor, at, data). Events for one
  // instance arrive one at a time, in order.
  virtual void on_event(const json& event) {
    throw Error(CXLOOP_ERR_UNSUPPORTED,
                "received event '" + event.value("type", std::string()) +
                    "' but the plugin does not override on_event; remove the subscription or "
                    "implement on_event");
  }

  // A request on a route registered with host().register_route. May run on many HTTP threads
  // at once.
  virtual Response handle_http(const HttpRequest& request) {
    throw Error(CXLOOP_ERR_UNSUPPORTED, "the plugin registered " + request.method + " " +
                                            request.path + " but does not override handle_http");
  }

  // A kind-specific operation or dispatched outbox work. Kind classes map their operations
  // to virtuals; a plugin that enqueues its own operations overrides this and calls the
  // base for the rest. Unknown operations are CXLOOP_ERR_UNSUPPORTED.
  virtual json invoke(const std::string& operation, const json& request) {
    (void)request;
    throw unsupported(operation);
  }

 protected:
  const Host& host() const { return host_; }

  static Error unsupported(const std::string& operation) {
    return Error(CXLOOP_ERR_UNSUPPORTED,
                 "operation '" + operation + "' is not implemented by this plugin");
  }
  // The member of a request that an operation needs; its absence is the caller's mistake.
  static const json& require(const json& request, const char* member) {
    auto it = request.find(member);
    if (it == request.end()) {
      throw Error(CXLOOP_ERR_INVALID, std::string("request is missing '") + member + "'");
    }
    return *it;
  }

 private:
  Host host_;
};

}  // namespace cxloop::sdk

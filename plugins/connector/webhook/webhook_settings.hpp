// The webhook connector's instance settings, read once at init. Every value is checked here
// as well as by the manifest's schema, so a wrong setting fails the instance with a message
// naming its key whichever host runs the plugin (the server, or the SDK's test harness).
#pragma once

#include <chrono>
#include <string>

#include <cxloop/sdk.hpp>

namespace cxloop::connectors::webhook {

struct WebhookSettings {
  std::string url;              // where tasks and changes are POSTed
  std::string secret;           // signs what this connector sends
  std::string callback_secret;  // verifies what the department sends back (default: secret)
  std::chrono::seconds timeout{10};
  std::chrono::seconds replay_window{300};
  sdk::json status_map;  // the instance's overrides, or null
};

// Whether url is http:// or https:// followed by a host.
bool is_http_url(const std::string& url);

// Throws sdk::Error(CXLOOP_ERR_INVALID) naming the offending key.
WebhookSettings read_settings(const sdk::json& settings);

// The department states this connector understands without configuration: the task states
// themselves and common names for them ("resolved", "wontfix", "in progress", ...).
const std::map<std::string, std::string>& default_status_map();

}  // namespace cxloop::connectors::webhook

// The request_tracker connector's instance settings, read once at init. Every value is
// checked here as well as by the manifest's schema, so a wrong setting fails the instance
// with a message naming its key whichever host runs the plugin.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <cxloop/sdk.hpp>

namespace cxloop::connectors::request_tracker {

struct RtSettings {
  std::string url;    // RT's base URL without a trailing slash; REST 2 is url + "/REST/2.0"
  std::string queue;  // default queue; a department's connector_settings.queue wins
  // Either token, or username and password (HTTP basic auth).
  std::string token;
  std::string username;
  std::string password;
  std::chrono::seconds timeout{15};
  sdk::json status_map;  // the instance's overrides, or null
};

// Throws sdk::Error(CXLOOP_ERR_INVALID) naming the offending key.
RtSettings read_settings(const sdk::json& settings);

// RT's own states (the "default" lifecycle) as task states. "new" is open: the ticket waits
// in the department's queue, which is what an open task means; work starts with "open".
const std::map<std::string, std::string>& default_status_map();

}  // namespace cxloop::connectors::request_tracker

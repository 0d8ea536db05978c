// A kernel event: every state change, with actor and time. Written to the event log in the
// transaction that made the change, then published to subscribers after commit.
#pragma once

#include <cstdint>
#include <string>

namespace cxloop::events {

struct Event {
  std::int64_t id = 0;           // event log id (0 until stored)
  std::string type;              // "case.created", "problem.state_changed", ...
  std::string subject;           // "case:42", "problem:7", ...
  std::string actor;             // "token:3", "plugin:email", "system"
  std::string at;                // RFC 3339 UTC
  std::string data_json = "{}";  // before/after and details, a JSON object
};

}  // namespace cxloop::events

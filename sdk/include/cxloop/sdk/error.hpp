// Errors in the C++ SDK: plugin code throws Error to choose the status the kernel sees, and
// Host methods throw HostError when the kernel refuses a request.
#pragma once

#include <stdexcept>
#include <string>

#include "cxloop/plugin_api.h"

namespace cxloop::sdk {

// Thrown by plugin code to fail a callback with a chosen status, e.g.
// throw Error(CXLOOP_ERR_UNAVAILABLE, "ticket system at https://... timed out") asks the
// outbox to retry later, CXLOOP_ERR_INVALID marks the work as never going to succeed.
// Any other std::exception becomes CXLOOP_ERR_INTERNAL with its what() text.
class Error : public std::runtime_error {
 public:
  Error(cxloop_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  cxloop_status status() const noexcept { return status_; }

 private:
  cxloop_status status_;
};

// A host call failed. Derived from Error so that, left uncaught, the host's status travels
// back unchanged (a host UNAVAILABLE makes the plugin's callback UNAVAILABLE too).
class HostError : public Error {
 public:
  HostError(cxloop_status status, const std::string& message) : Error(status, message) {}
};

// Stable lower-case name of a status, for messages and logs.
inline const char* status_name(cxloop_status status) { return cxloop_status_name(status); }

}  // namespace cxloop::sdk

// One HTTP POST from a bundled plugin to an outside service (an SMS gateway, a department's
// webhook receiver): http:// or https:// (certificates checked against the system's CA
// store), a timeout, and the answer handed back whatever its status, for the caller to judge.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace cxloop::plugins {

struct HttpPostReply {
  int status = 0;
  std::string body;
};

// Throws std::runtime_error, naming the URL, when url is not an http:// or https:// URL or
// the service cannot be reached (connection refused, timeout, TLS failure).
HttpPostReply http_post(const std::string& url, const std::string& content_type,
                        const std::string& body, const std::map<std::string, std::string>& headers,
                        std::chrono::milliseconds timeout);

}  // namespace cxloop::plugins

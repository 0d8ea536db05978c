// The HTTP edge between the kernel and a plugin: the request document a plugin receives for a
// route it serves (or a connector callback the kernel receives for it), and the problem+json
// answer for a plugin call that failed. Shared by plugin routes and kernel-owned hooks so
// both speak to plugins, and to clients, the same way.
#pragma once

#include <string>

#include "http/http_types.hpp"

namespace Poco {
class Logger;
}

namespace cxloop::plugin_host {

class PluginCallError;

// The request as JSON text: method, path, params, query, headers, remote_addr, body (base64
// with "body_encoding": "base64" when the body is not UTF-8).
std::string request_text(const http::HttpRequest& request);

// The status a failed plugin call maps to: INVALID 400, NOT_FOUND 404, CONFLICT 409,
// FORBIDDEN 403, UNSUPPORTED 501, UNAVAILABLE 503; anything else 500 with the details logged.
http::HttpResponse plugin_failure_response(const PluginCallError& error, const std::string& path,
                                           Poco::Logger& logger);

}  // namespace cxloop::plugin_host

// The web console's routes: GET / and GET /console redirect to /console/, which serves
// console.directory (index.html for the folder itself); /console/lib/<library>/... serves
// the Debian-packaged JavaScript libraries the console uses (Chart.js) from
// console.javascript_directory. The files hold no data: every record the console shows comes
// from the REST API with the signed-in person's own token.
#pragma once

#include <string>

namespace cxloop::config {
struct ConsoleConfig;
}
namespace cxloop::http {
class Router;
}

namespace cxloop::console {

// Adds the routes unless console.enabled is false. Logs a warning when a directory is
// missing, so an operator learns it at start rather than from a user.
void register_console_routes(http::Router& router, const config::ConsoleConfig& config);

// Where the console is installed when console.directory is empty.
std::string default_console_directory();

}  // namespace cxloop::console

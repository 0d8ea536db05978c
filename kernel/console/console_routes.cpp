#include "console/console_routes.hpp"

#include <Poco/Logger.h>

#include <memory>
#include <set>

#include "config/config.hpp"
#include "console/static_files.hpp"
#include "http/api_error.hpp"
#include "http/router.hpp"

namespace cxloop::console {

namespace {

// Only the libraries the console imports are reachable, not all of /usr/share/javascript.
const std::set<std::string>& served_libraries() {
  static const std::set<std::string> names = {"chart.js"};
  return names;
}

http::HttpResponse redirect(const std::string& location) {
  http::HttpResponse response = http::HttpResponse::empty(302);
  response.headers["location"] = location;
  return response;
}

void warn_when_missing(const std::string& directory, const std::string& key) {
  if (!is_directory(directory)) {
    Poco::Logger::get("cxloop.console")
        .warning("the console directory '" + directory + "' (" + key +
                 ") does not exist; /console/ answers 404 until it does");
  }
}

}  // namespace

std::string default_console_directory() { return CXLOOP_DEFAULT_CONSOLE_DIR; }

void register_console_routes(http::Router& router, const config::ConsoleConfig& config) {
  if (!config.enabled) return;
  auto site = std::make_shared<StaticFiles>(
      config.directory.empty() ? default_console_directory() : config.directory,
      "console.directory");
  auto libraries =
      std::make_shared<StaticFiles>(config.javascript_directory, "console.javascript_directory");
  warn_when_missing(site->directory(), "console.directory");
  warn_when_missing(libraries->directory(), "console.javascript_directory");

  router.add("GET", "/", [](http::HttpRequest&) { return redirect("/console/"); });
  router.add("GET", "/console/{*rest}", [site, libraries](http::HttpRequest& request) {
    // Module and style URLs in index.html are relative to the folder, so the folder's own
    // URL must end in '/'.
    if (request.path == "/console") return redirect("/console/");
    const std::string rest = request.params["rest"];
    if (rest.empty()) return site->serve("index.html", request);
    const std::string lib_prefix = "lib/";
    if (rest.rfind(lib_prefix, 0) == 0) {
      const std::string below = rest.substr(lib_prefix.size());
      if (served_libraries().count(below.substr(0, below.find('/'))) == 0) {
        throw http::ApiError::not_found("no console library at " + request.path);
      }
      return libraries->serve(below, request);
    }
    return site->serve(rest, request);
  });
}

}  // namespace cxloop::console

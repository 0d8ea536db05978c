// The web console's routes: redirects, index.html, content types, ETag revalidation, the
// library allow-list, and paths that must never reach a file outside the console folder.
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "config/config.hpp"
#include "console/console_routes.hpp"
#include "console/static_files.hpp"
#include "http/api_error.hpp"
#include "http/router.hpp"

using cxloop::config::ConsoleConfig;
using cxloop::http::ApiError;
using cxloop::http::HttpRequest;
using cxloop::http::HttpResponse;
using cxloop::http::Router;

namespace {

// A console folder and a library folder with a few files, removed afterwards.
struct Site {
  Poco::TemporaryFile root;
  std::string console_dir;
  std::string library_dir;

  Site() {
    console_dir = root.path() + "/console";
    library_dir = root.path() + "/javascript";
    write(console_dir + "/index.html", "<!doctype html><title>console</title>");
    write(console_dir + "/js/app.js", "export const x = 1;");
    write(console_dir + "/css/console.css", "body{}");
    write(console_dir + "/.hidden", "secret");
    write(root.path() + "/outside.txt", "not for the web");
    write(library_dir + "/chart.js/chart.mjs", "export class Chart {}");
    write(library_dir + "/jquery/jquery.js", "jQuery");
  }

  static void write(const std::string& path, const std::string& text) {
    Poco::File(Poco::Path(path).parent()).createDirectories();
    std::ofstream(path) << text;
  }

  ConsoleConfig config() const {
    ConsoleConfig c;
    c.directory = console_dir;
    c.javascript_directory = library_dir;
    return c;
  }
};

// Dispatches like the HTTP server: route match, then the handler; an ApiError becomes its
// status with the detail as body.
HttpResponse get(Router& router, const std::string& path,
                 const std::map<std::string, std::string>& headers = {}) {
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.headers = headers;
  auto match = router.match(request);
  if (match.route == nullptr) return HttpResponse::text(404, "no route");
  try {
    return match.route->handler(request);
  } catch (const ApiError& e) {
    return HttpResponse::text(e.status(), e.what());
  }
}

}  // namespace

TEST_CASE("the root and /console redirect to /console/, which answers index.html") {
  Site site;
  Router router;
  cxloop::console::register_console_routes(router, site.config());
  for (const char* path : {"/", "/console"}) {
    auto redirect = get(router, path);
    CHECK(redirect.status == 302);
    CHECK(redirect.headers["location"] == "/console/");
  }
  auto index = get(router, "/console/");
  CHECK(index.status == 200);
  CHECK(index.body == "<!doctype html><title>console</title>");
  CHECK(index.headers["content-type"] == "text/html; charset=utf-8");
}

TEST_CASE(
    "console files carry their content type, an ETag, no-cache and a content security "
    "policy") {
  Site site;
  Router router;
  cxloop::console::register_console_routes(router, site.config());
  auto script = get(router, "/console/js/app.js");
  CHECK(script.status == 200);
  CHECK(script.body == "export const x = 1;");
  CHECK(script.headers["content-type"] == "text/javascript; charset=utf-8");
  CHECK(script.headers["cache-control"] == "no-cache");
  CHECK(script.headers["x-content-type-options"] == "nosniff");
  CHECK(script.headers["content-security-policy"].find("script-src 'self'") != std::string::npos);
  CHECK_FALSE(script.headers["etag"].empty());
  CHECK(get(router, "/console/css/console.css").headers["content-type"] ==
        "text/css; charset=utf-8");
}

TEST_CASE("a browser copy that is still current is answered 304 without a body") {
  Site site;
  Router router;
  cxloop::console::register_console_routes(router, site.config());
  const std::string etag = get(router, "/console/js/app.js").headers["etag"];
  auto again = get(router, "/console/js/app.js", {{"if-none-match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.headers["etag"] == etag);
  CHECK(get(router, "/console/js/app.js", {{"if-none-match", "\"stale\""}}).status == 200);
}

TEST_CASE(
    "paths that climb out of the console folder, hidden files and missing files answer "
    "404") {
  Site site;
  Router router;
  cxloop::console::register_console_routes(router, site.config());
  for (const char* path : {"/console/../outside.txt", "/console/js/../../outside.txt",
                           "/console/.hidden", "/console/js//app.js", "/console/js",
                           "/console/nothing.js", "/console/js/app.js\\..\\..\\outside.txt"}) {
    INFO(path);
    auto response = get(router, path);
    CHECK(response.status == 404);
    CHECK(response.body.find("not for the web") == std::string::npos);
  }
}

TEST_CASE("only the libraries the console uses are served from the JavaScript folder") {
  Site site;
  Router router;
  cxloop::console::register_console_routes(router, site.config());
  auto chart = get(router, "/console/lib/chart.js/chart.mjs");
  CHECK(chart.status == 200);
  CHECK(chart.headers["content-type"] == "text/javascript; charset=utf-8");
  CHECK(get(router, "/console/lib/jquery/jquery.js").status == 404);
  CHECK(get(router, "/console/lib/chart.js/../jquery/jquery.js").status == 404);
}

TEST_CASE("a console folder that does not exist answers 404 naming the config key to set") {
  Site site;
  ConsoleConfig config = site.config();
  config.directory = site.root.path() + "/not-installed";
  Router router;
  cxloop::console::register_console_routes(router, config);
  auto response = get(router, "/console/");
  CHECK(response.status == 404);
  CHECK(response.body.find("console.directory") != std::string::npos);
  CHECK(response.body.find("not-installed") != std::string::npos);
}

TEST_CASE("a disabled console adds no routes") {
  Site site;
  ConsoleConfig config = site.config();
  config.enabled = false;
  Router router;
  cxloop::console::register_console_routes(router, config);
  CHECK(router.routes().empty());
}

TEST_CASE("file names map to media types, unknown extensions to octet-stream") {
  using cxloop::console::media_type;
  CHECK(media_type("index.html") == "text/html; charset=utf-8");
  CHECK(media_type("chart.mjs") == "text/javascript; charset=utf-8");
  CHECK(media_type("logo.SVG") == "image/svg+xml");
  CHECK(media_type("js.dir/README") == "application/octet-stream");
  CHECK(media_type("archive.tar.gz") == "application/octet-stream");
}

// The server config: defaults, validation with key paths, and invalid JSON positions.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

#include "config/config.hpp"

using cxloop::config::ConfigError;
using cxloop::config::load_config_text;

namespace {

// The errors a text produces, or an empty list when it loads.
std::vector<std::string> errors_of(const std::string& text) {
  try {
    load_config_text(text);
  } catch (const ConfigError& e) {
    return e.errors();
  }
  return {};
}

bool has_line_starting(const std::vector<std::string>& lines, const std::string& prefix) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.rfind(prefix, 0) == 0; });
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

}  // namespace

TEST_CASE("An empty object yields every documented default") {
  auto config = load_config_text("{}");
  CHECK(config.data_dir == "data");
  CHECK(config.http.listen == "127.0.0.1");
  CHECK(config.http.port == 8080);
  CHECK(config.http.threads == 32);
  CHECK(config.http.queue == 256);
  CHECK(config.http.keep_alive);
  CHECK(config.http.keep_alive_timeout == std::chrono::seconds(10));
  CHECK(config.http.max_keep_alive_requests == 1000);
  CHECK(config.http.receive_timeout == std::chrono::seconds(30));
  CHECK(config.http.send_timeout == std::chrono::seconds(30));
  CHECK(config.http.max_body_bytes == 1048576);
  CHECK(config.logging.format == "text");
  CHECK(config.logging.level == "information");
  CHECK(config.storage.url == "sqlite:data/cxloop.db");
  CHECK(config.storage.readers == 4);
  CHECK(config.storage.busy_timeout == std::chrono::milliseconds(5000));
  CHECK(config.storage.max_batch == 256);
  CHECK(config.workers.event_threads == 2);
  CHECK(config.workers.outbox_threads == 8);
  CHECK(config.workers.outbox_poll == std::chrono::milliseconds(200));
  CHECK(config.plugin_dirs.empty());
  CHECK(config.plugins.empty());
  CHECK_FALSE(config.node_name.empty());
}

TEST_CASE("Every key of the file format is read into the structs") {
  auto config = load_config_text(R"({
    "node_name": "node-a", "data_dir": "/var/lib/cxloop",
    "http": {"listen": "0.0.0.0", "port": 0, "threads": 4, "queue": 8, "keep_alive": false,
             "keep_alive_timeout_s": 3, "max_keep_alive_requests": 5, "receive_timeout_s": 6,
             "send_timeout_s": 7, "max_body_bytes": 1000},
    "logging": {"format": "json", "level": "debug"},
    "storage": {"url": "postgresql://u@127.0.0.1:5432/db", "readers": 2,
                "busy_timeout_ms": 100, "max_batch": 9},
    "workers": {"event_threads": 3, "outbox_threads": 0, "outbox_poll_ms": 50},
    "plugins": {"directories": ["/opt/p"],
                "instances": {"mail": {"plugin": "email", "enabled": false, "required": true,
                                       "settings": {"host": "x"}},
                              "webform": {}}}
  })");
  CHECK(config.node_name == "node-a");
  CHECK(config.data_dir == "/var/lib/cxloop");
  CHECK(config.http.listen == "0.0.0.0");
  CHECK(config.http.port == 0);
  CHECK(config.http.threads == 4);
  CHECK(config.http.queue == 8);
  CHECK_FALSE(config.http.keep_alive);
  CHECK(config.http.keep_alive_timeout == std::chrono::seconds(3));
  CHECK(config.http.max_keep_alive_requests == 5);
  CHECK(config.http.receive_timeout == std::chrono::seconds(6));
  CHECK(config.http.send_timeout == std::chrono::seconds(7));
  CHECK(config.http.max_body_bytes == 1000);
  CHECK(config.logging.format == "json");
  CHECK(config.logging.level == "debug");
  CHECK(config.storage.url == "postgresql://u@127.0.0.1:5432/db");
  CHECK(config.storage.readers == 2);
  CHECK(config.storage.busy_timeout == std::chrono::milliseconds(100));
  CHECK(config.storage.max_batch == 9);
  CHECK(config.workers.event_threads == 3);
  CHECK(config.workers.outbox_threads == 0);
  CHECK(config.workers.outbox_poll == std::chrono::milliseconds(50));
  CHECK(config.plugin_dirs == std::vector<std::string>{"/opt/p"});
  REQUIRE(config.plugins.size() == 2);
  CHECK(config.plugins[0].name == "mail");
  CHECK(config.plugins[0].plugin == "email");
  CHECK_FALSE(config.plugins[0].enabled);
  CHECK(config.plugins[0].required);
  CHECK(nlohmann::json::parse(config.plugins[0].settings_json) == nlohmann::json{{"host", "x"}});
  CHECK(config.plugins[1].name == "webform");
  CHECK(config.plugins[1].plugin == "webform");  // defaults to the instance name
  CHECK(config.plugins[1].enabled);
  CHECK_FALSE(config.plugins[1].required);
  CHECK(config.plugins[1].settings_json == "{}");
}

TEST_CASE("The database defaults to a file in the configured data directory") {
  CHECK(load_config_text(R"({"data_dir": "/srv/cx"})").storage.url == "sqlite:/srv/cx/cxloop.db");
}

TEST_CASE("A value of the wrong type is reported with its key path and expected type") {
  auto errors = errors_of(R"({"http": {"port": "8080"}})");
  INFO(joined(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "/http/port: must be of type integer, not string");
}

TEST_CASE("Every type error in every section is reported with its key path") {
  auto errors = errors_of(R"({
    "node_name": 1, "data_dir": true,
    "http": {"listen": 5, "keep_alive": "yes", "max_body_bytes": 1.5},
    "logging": {"level": 3},
    "storage": {"url": [], "readers": "4"},
    "workers": {"outbox_poll_ms": null},
    "plugins": {"directories": [1], "instances": {"a": {"enabled": "no", "settings": []}}}
  })");
  INFO(joined(errors));
  for (const char* path :
       {"/node_name: ", "/data_dir: ", "/http/listen: ", "/http/keep_alive: ",
        "/http/max_body_bytes: ", "/logging/level: ", "/storage/url: ", "/storage/readers: ",
        "/workers/outbox_poll_ms: ", "/plugins/directories/0: ", "/plugins/instances/a/enabled: ",
        "/plugins/instances/a/settings: "}) {
    CHECK(has_line_starting(errors, path));
  }
}

TEST_CASE("Every unknown key is reported at its own path, with the keys allowed there") {
  auto errors = errors_of(R"({"htp": {}, "http": {"prot": 1, "thread": 2},
                             "plugins": {"instances": {"x": {"setting": {}}}}})");
  INFO(joined(errors));
  CHECK(has_line_starting(errors, "/htp: unknown key"));
  CHECK(has_line_starting(errors, "/http/prot: unknown key"));
  CHECK(has_line_starting(errors, "/http/thread: unknown key"));
  CHECK(has_line_starting(errors, "/plugins/instances/x/setting: unknown key"));
  auto http_line = std::find_if(errors.begin(), errors.end(), [](const std::string& line) {
    return line.rfind("/http/prot:", 0) == 0;
  });
  REQUIRE(http_line != errors.end());
  CHECK(http_line->find("port") != std::string::npos);
}

TEST_CASE("Values out of range or outside an enumeration name the allowed values") {
  auto errors = errors_of(R"({"http": {"port": 70000, "threads": 0},
                             "logging": {"format": "xml"}})");
  INFO(joined(errors));
  CHECK(has_line_starting(errors, "/http/port: must be between 0 and 65535"));
  CHECK(has_line_starting(errors, "/http/threads: must be between 1 and"));
  CHECK(has_line_starting(errors, "/logging/format: must be one of text, json"));
}

TEST_CASE("Plugin instance names that cannot appear in a URL are rejected") {
  auto errors = errors_of(R"({"plugins": {"instances": {"bad name/x": {}}}})");
  INFO(joined(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("/plugins/instances/bad name~1x: ", 0) == 0);
}

TEST_CASE("Invalid JSON is reported with its line and column") {
  auto errors = errors_of("{\n  \"http\": {\n    \"port\": 80,,\n  }\n}");
  INFO(joined(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("line 3, column 16") != std::string::npos);
}

TEST_CASE("A document that is not an object is rejected") {
  CHECK(errors_of("[1, 2]") ==
        std::vector<std::string>{"/: the configuration must be a JSON object"});
}

TEST_CASE("The error message names the file and lists every problem") {
  try {
    load_config_text(R"({"http": {"port": -1}, "x": 1})", "site.json");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    std::string what = e.what();
    CHECK(what.find("site.json") != std::string::npos);
    CHECK(what.find("/http/port") != std::string::npos);
    CHECK(what.find("/x") != std::string::npos);
  }
}

TEST_CASE("A missing file is reported with its path") {
  try {
    cxloop::config::load_config_file("/nonexistent/cxloop.json");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("/nonexistent/cxloop.json") != std::string::npos);
  }
}

TEST_CASE("CXLOOP_STORAGE_URL overrides the storage URL of a loaded file") {
  auto config = load_config_text(R"({"storage": {"url": "sqlite:a.db"}})");
  ::setenv("CXLOOP_STORAGE_URL", "sqlite:b.db", 1);
  cxloop::config::apply_environment(config);
  ::unsetenv("CXLOOP_STORAGE_URL");
  CHECK(config.storage.url == "sqlite:b.db");
}

TEST_CASE("The shipped configuration files are valid") {
  const char* source = std::getenv("CXLOOP_SOURCE_DIR");
  REQUIRE(source != nullptr);
  auto embedded = cxloop::config::load_config_file(std::string(source) + "/config/cxloop.json");
  CHECK(embedded.http.port == 8080);
  CHECK(embedded.storage.url.rfind("sqlite:", 0) == 0);
  auto pg =
      cxloop::config::load_config_file(std::string(source) + "/config/examples/postgresql.json");
  CHECK(pg.storage.url.rfind("postgresql://", 0) == 0);
}

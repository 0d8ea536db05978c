// The server config's "console" section: its keys, defaults and the errors a typo gets.
#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "console/console_routes.hpp"

using cxloop::config::ConfigError;
using cxloop::config::load_config_text;

TEST_CASE("the console section sets the folders and can switch the console off") {
  auto config = load_config_text(
      R"({"console": {"enabled": false, "directory": "/srv/console",
                      "javascript_directory": "/opt/js"}})");
  CHECK_FALSE(config.console.enabled);
  CHECK(config.console.directory == "/srv/console");
  CHECK(config.console.javascript_directory == "/opt/js");
}

TEST_CASE("without a console section the console is on and served from the installed folder") {
  auto config = load_config_text("{}");
  CHECK(config.console.enabled);
  CHECK(config.console.directory.empty());
  CHECK(config.console.javascript_directory == "/usr/share/javascript");
  CHECK(cxloop::console::default_console_directory().find("cxloop/console") != std::string::npos);
}

TEST_CASE("a misspelt console key is reported with its key path") {
  try {
    load_config_text(R"({"console": {"dir": "console"}})");
    FAIL("the config was accepted");
  } catch (const ConfigError& e) {
    REQUIRE(e.errors().size() == 1);
    CHECK(e.errors()[0].find("/console") == 0);
    CHECK(e.errors()[0].find("dir") != std::string::npos);
  }
}

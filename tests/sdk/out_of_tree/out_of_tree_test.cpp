// The SDK as a vendor meets it: `cmake --install` of the sdk component, a separate
// find_package(cxloop-sdk) build of the example connector with its own tests (run in the
// installed test harness), and that library loaded by the kernel's plugin host, where push,
// poll and the status hook work through the kv store.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../../kernel/plugin_host/plugin_host_fixture.hpp"
#include "plugin_host/plugin_host.hpp"

using Catch::Matchers::Contains;
using cxloop::config::PluginInstanceConfig;
using cxloop::plugin_host::PluginCallError;
using cxloop::plugin_host::PluginHost;
using cxloop::testing::PluginHostFixture;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Runs a shell command with its output in log; the output is shown when it fails.
void run(const std::string& command, const fs::path& log) {
  const int status = std::system((command + " >" + log.string() + " 2>&1").c_str());
  if (status != 0) {
    std::ifstream in(log);
    std::stringstream output;
    output << in.rdbuf();
    FAIL("command failed: " << command << "\n" << output.str());
  }
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Builds the example once per test run.
fs::path built_example(const fs::path& work) {
  const std::string cmake = quoted(CXLOOP_CMAKE_COMMAND);
  const fs::path prefix = work / "prefix";
  const fs::path build = work / "example-build";
  run(cmake + " --install " + quoted(CXLOOP_TEST_BUILD_DIR) + " --component sdk --prefix " +
          quoted(prefix),
      work / "install.log");
  REQUIRE(fs::exists(prefix / "include" / "cxloop" / "sdk.hpp"));
  REQUIRE(fs::exists(prefix / "lib" / "cmake" / "cxloop-sdk" / "cxloop-sdkConfig.cmake"));
  REQUIRE(fs::exists(prefix / "lib" / "cmake" / "cxloop-sdk" / "CxloopPlugin.cmake"));
  REQUIRE(fs::exists(prefix / "include" / "cxloop" / "sdk" / "testing" / "plugin_harness.hpp"));
  // A clean environment: only the installed prefix, nothing of the cxloop tree.
  run(cmake + " -S " + quoted(CXLOOP_EXAMPLE_DIR) + " -B " + quoted(build) +
          " -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + quoted(prefix),
      work / "configure.log");
  run(cmake + " --build " + quoted(build), work / "build.log");
  // The example's own tests, which run the plugin in the installed SDK's test harness.
  run(quoted(CXLOOP_CTEST_COMMAND) + " --test-dir " + quoted(build) + " --output-on-failure",
      work / "ctest.log");
  return build / "plugins";
}

}  // namespace

TEST_CASE("A vendor-built connector from the installed SDK loads and works in the host") {
  PluginHostFixture f;
  const fs::path plugins = built_example(f.root);
  const fs::path library = plugins / "example_connector" / "libexample_connector.so";
  REQUIRE(fs::exists(library));
  REQUIRE(fs::exists(plugins / "example_connector" / "plugin.json"));

  // Hidden visibility: the entry point is the only symbol the library defines for others.
  run("nm -D --defined-only " + quoted(library), f.root / "nm.log");
  const std::string exported = read(f.root / "nm.log");
  CHECK_THAT(exported, Contains("cxloop_plugin_entry_v1"));
  CHECK(exported.find("nlohmann") == std::string::npos);
  CHECK(exported.find("ExampleConnector") == std::string::npos);

  PluginHost host(f.env(), {plugins.string()});
  PluginInstanceConfig config;
  config.name = "tickets";
  config.plugin = "example_connector";
  config.settings_json = R"({"prefix": "OPS"})";
  config.required = true;
  host.load({config});
  auto* connector = host.find("tickets");
  REQUIRE(connector != nullptr);

  const json task = {
      {"id", 5}, {"title", "Replace manuals of batch 7"}, {"idempotency_key", "t-5"}};
  const json pushed = connector->invoke("push", task);
  CHECK(pushed.at("external_ref") == "OPS-1");
  CHECK(connector->invoke("push", task).at("external_ref") == "OPS-1");  // idempotent
  CHECK(f.kv->get("tickets", "ticket:OPS-1").has_value());

  json polled = connector->invoke("poll", json{{"refs", {"OPS-1", "OPS-404"}}});
  REQUIRE(polled.at("statuses").size() == 1);
  CHECK(polled.at("statuses")[0].at("status") == "open");

  const auto hook = f.request("POST", "/hooks/connector/tickets/status",
                              R"({"external_ref": "OPS-1", "status": "done"})");
  CHECK(hook.status == 200);
  polled = connector->invoke("poll", json{{"refs", {"OPS-1"}}});
  CHECK(polled.at("statuses")[0].at("status") == "done");

  CHECK_THROWS_WITH(connector->invoke("update", json{{"task", {{"external_ref", "OPS-1"}}},
                                                     {"change", {{"status", "finished"}}}}),
                    Contains("must be open, in_progress, done or rejected"));

  // The manifest's schema guards the settings before the plugin runs.
  PluginHost strict(f.env(), {plugins.string()});
  config.name = "tickets2";
  config.settings_json = R"({"prefix": "ops"})";
  config.required = false;
  strict.load({config});
  CHECK(strict.statuses().at(0).stage == "config");
  CHECK_THAT(strict.statuses().at(0).error, Contains("/settings/prefix: "));
}

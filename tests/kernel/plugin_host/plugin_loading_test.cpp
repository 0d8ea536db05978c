// Loading plugin instances: each failure stage is reported with a message naming what to fix,
// a failing instance that is not required degrades visibly, a required one stops start-up.
#include <catch2/catch.hpp>

#include "plugin_host/plugin_host.hpp"
#include "plugin_host_fixture.hpp"

using Catch::Matchers::Contains;
using cxloop::config::PluginInstanceConfig;
using cxloop::plugin_host::PluginHost;
using cxloop::plugin_host::PluginLoadError;
using cxloop::plugin_host::PluginStatus;
using cxloop::testing::PluginHostFixture;
namespace fs = std::filesystem;

namespace {

PluginInstanceConfig instance(const std::string& name, const std::string& plugin,
                              const std::string& settings = "{}", bool required = false) {
  PluginInstanceConfig config;
  config.name = name;
  config.plugin = plugin;
  config.settings_json = settings;
  config.required = required;
  return config;
}

// Loads one instance from dirs and returns its status.
PluginStatus load_single(PluginHostFixture& f, const std::vector<std::string>& dirs,
                         const PluginInstanceConfig& config) {
  PluginHost host(f.env(), dirs);
  host.load({config});
  const auto statuses = host.statuses();
  REQUIRE(statuses.size() == 1);
  return statuses.front();
}

// A plugin folder holding a copy of library under the given manifest.
fs::path folder_with_library(const fs::path& dir, const std::string& folder,
                             const nlohmann::json& manifest, const std::string& library) {
  const fs::path target = PluginHostFixture::write_manifest(dir, folder, manifest.dump());
  fs::copy_file(library, target / manifest.at("library").get<std::string>(),
                fs::copy_options::overwrite_existing);
  return target;
}

const std::string kProbeSettings = R"({"greeting": "hello"})";

}  // namespace

TEST_CASE("A manifest that is not JSON fails at stage manifest naming the file") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  PluginHostFixture::write_manifest(dir, "broken", "{\"name\": \"broken\",");
  const PluginStatus s = load_single(f, {dir.string()}, instance("b1", "broken"));
  CHECK(s.state == "failed");
  CHECK(s.stage == "manifest");
  CHECK_THAT(s.error,
             Contains((dir / "broken" / "plugin.json").string()) && Contains("not valid JSON"));
}

TEST_CASE("A manifest missing a field fails at stage manifest naming the field") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  auto doc = PluginHostFixture::manifest("noversion", "libnoversion.so");
  doc.erase("version");
  PluginHostFixture::write_manifest(dir, "noversion", doc.dump());
  const PluginStatus s = load_single(f, {dir.string()}, instance("n1", "noversion"));
  CHECK(s.stage == "manifest");
  CHECK_THAT(s.error, Contains("plugin.json") && Contains("\"version\""));
}

TEST_CASE("An unknown plugin name fails at stage manifest naming the directories searched") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  const PluginStatus s = load_single(f, {dir.string()}, instance("x1", "nonexistent"));
  CHECK(s.stage == "manifest");
  CHECK_THAT(s.error, Contains("nonexistent") && Contains(dir.string()));
}

TEST_CASE("A missing library fails at stage open naming the file") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  PluginHostFixture::write_manifest(dir, "nolib",
                                    PluginHostFixture::manifest("nolib", "libnolib.so").dump());
  const PluginStatus s = load_single(f, {dir.string()}, instance("o1", "nolib"));
  CHECK(s.stage == "open");
  CHECK_THAT(s.error,
             Contains((dir / "nolib" / "libnolib.so").string()) && Contains("does not exist"));
}

TEST_CASE("A file that is no loadable library fails at stage open with the loader's reason") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  const fs::path folder = PluginHostFixture::write_manifest(
      dir, "garbage", PluginHostFixture::manifest("garbage", "libgarbage.so").dump());
  std::ofstream(folder / "libgarbage.so") << "this is not an ELF file";
  const PluginStatus s = load_single(f, {dir.string()}, instance("g1", "garbage"));
  CHECK(s.stage == "open");
  CHECK_THAT(s.error, Contains("libgarbage.so") && Contains("cannot load"));
}

TEST_CASE("A library without the entry point fails at stage symbol mentioning the ABI major") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  folder_with_library(dir, "noentry", PluginHostFixture::manifest("noentry", "libnoentry.so"),
                      CXLOOP_RAW_NO_ENTRY);
  const PluginStatus s = load_single(f, {dir.string()}, instance("s1", "noentry"));
  CHECK(s.stage == "symbol");
  CHECK_THAT(s.error, Contains("cxloop_plugin_entry_v1") && Contains("another ABI major"));
}

TEST_CASE("A manifest for another ABI major fails at stage abi before the library is opened") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  auto doc = PluginHostFixture::manifest("future", "libfuture.so");  // the library is absent
  doc["abi"] = {{"major", 2}, {"minor", 0}};
  PluginHostFixture::write_manifest(dir, "future", doc.dump());
  const PluginStatus s = load_single(f, {dir.string()}, instance("a1", "future"));
  CHECK(s.stage == "abi");
  CHECK_THAT(s.error, Contains("ABI 2.0") && Contains("ABI 1.0") && Contains("rebuild"));
}

TEST_CASE("A manifest needing a newer ABI minor fails at stage abi asking for an upgrade") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  auto doc = PluginHostFixture::manifest("newer", "libnewer.so");
  doc["abi"] = {{"major", 1}, {"minor", 5}};
  PluginHostFixture::write_manifest(dir, "newer", doc.dump());
  const PluginStatus s = load_single(f, {dir.string()}, instance("a2", "newer"));
  CHECK(s.stage == "abi");
  CHECK_THAT(s.error, Contains("ABI 1.5") && Contains("ABI 1.0") &&
                          Contains("upgrade the server") && Contains("rebuild the plugin"));
}

TEST_CASE("A library whose API table claims ABI major 2 fails at stage abi") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  folder_with_library(dir, "raw_table", PluginHostFixture::manifest("raw_table", "libraw.so"),
                      CXLOOP_RAW_ABI_MAJOR2);
  const PluginStatus s = load_single(f, {dir.string()}, instance("a3", "raw_table"));
  CHECK(s.stage == "abi");
  CHECK_THAT(s.error, Contains("ABI 2.0") && Contains("libraw.so"));
}

TEST_CASE("A library whose API table claims a newer ABI minor fails at stage abi") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  folder_with_library(dir, "raw_table", PluginHostFixture::manifest("raw_table", "libraw9.so"),
                      CXLOOP_RAW_ABI_MINOR9);
  const PluginStatus s = load_single(f, {dir.string()}, instance("a4", "raw_table"));
  CHECK(s.stage == "abi");
  CHECK_THAT(s.error, Contains("ABI 1.9") && Contains("upgrade the server"));
}

TEST_CASE("A library whose name differs from its manifest fails at stage abi") {
  PluginHostFixture f;
  const fs::path dir = f.plugin_dir("plugins");
  folder_with_library(
      dir, "renamed", PluginHostFixture::manifest("renamed", "librenamed.so", "connector", "0.3.1"),
      std::string(CXLOOP_FAKE_PLUGIN_DIR) + "/probe_connector/libprobe_connector.so");
  const PluginStatus s = load_single(f, {dir.string()}, instance("a5", "renamed", kProbeSettings));
  CHECK(s.stage == "abi");
  CHECK_THAT(s.error, Contains("name 'probe_connector'") && Contains("'renamed'"));
}

TEST_CASE("Settings violating the schema fail at stage config with each key path") {
  PluginHostFixture f;
  const PluginStatus s = load_single(f, {CXLOOP_FAKE_PLUGIN_DIR},
                                     instance("c1", "probe_connector", R"({"retries": -1})"));
  CHECK(s.stage == "config");
  CHECK_THAT(s.error, Contains("greeting") && Contains("/settings/retries: "));
}

TEST_CASE("Settings that are not JSON fail at stage config") {
  PluginHostFixture f;
  const PluginStatus s =
      load_single(f, {CXLOOP_FAKE_PLUGIN_DIR}, instance("c2", "probe_connector", "{oops"));
  CHECK(s.stage == "config");
  CHECK_THAT(s.error, Contains("/settings") && Contains("not valid JSON"));
}

TEST_CASE("A plugin constructor that throws fails at stage init with the plugin's message") {
  PluginHostFixture f;
  const PluginStatus s = load_single(f, {CXLOOP_FAKE_PLUGIN_DIR}, instance("i1", "init_throws"));
  CHECK(s.state == "failed");
  CHECK(s.stage == "init");
  CHECK_THAT(s.error, Contains("settings.endpoint is required"));
}

TEST_CASE("A failing instance that is not required leaves the others running") {
  PluginHostFixture f;
  PluginHost host(f.env(), {CXLOOP_FAKE_PLUGIN_DIR});
  REQUIRE_NOTHROW(host.load(
      {instance("broken", "init_throws"), instance("tracker", "probe_connector", kProbeSettings)}));
  const auto statuses = host.statuses();
  REQUIRE(statuses.size() == 2);
  CHECK(statuses[0].state == "failed");
  CHECK(statuses[1].state == "running");
  CHECK(statuses[1].kind == "connector");
  CHECK(statuses[1].version == "0.3.1");
  CHECK(host.find("broken") == nullptr);
  REQUIRE(host.find("tracker") != nullptr);
  CHECK(host.required_up());
  CHECK_THAT(f.metric_line("cxloop_plugin_load_failures_total", "instance=\"broken\""),
             Contains("stage=\"init\"") && Contains("} 1"));
  CHECK_THAT(f.metric_line("cxloop_plugin_up", "instance=\"tracker\""), Contains("} 1"));
  CHECK_THAT(f.metric_line("cxloop_plugin_up", "instance=\"broken\""), Contains("} 0"));
}

TEST_CASE("A failing required instance makes load throw PluginLoadError with its stage") {
  PluginHostFixture f;
  PluginHost host(f.env(), {CXLOOP_FAKE_PLUGIN_DIR});
  try {
    host.load({instance("must", "init_throws", "{}", true),
               instance("tracker", "probe_connector", kProbeSettings)});
    FAIL("load did not throw");
  } catch (const PluginLoadError& e) {
    CHECK(e.instance() == "must");
    CHECK(e.stage() == "init");
    CHECK_THAT(std::string(e.what()), Contains("must") && Contains("settings.endpoint"));
  }
  // Every instance was still attempted, so the log and statuses show the whole picture.
  CHECK(host.find("tracker") != nullptr);
  CHECK_FALSE(host.required_up());
}

TEST_CASE("A disabled instance is listed but not loaded") {
  PluginHostFixture f;
  PluginHost host(f.env(), {CXLOOP_FAKE_PLUGIN_DIR});
  auto config = instance("off", "probe_connector", kProbeSettings);
  config.enabled = false;
  host.load({config});
  CHECK(host.statuses().at(0).state == "disabled");
  CHECK(host.find("off") == nullptr);
}

TEST_CASE("Shutdown destroys instances and their routes answer 503 afterwards") {
  PluginHostFixture f;
  PluginHost host(f.env(), {CXLOOP_FAKE_PLUGIN_DIR});
  host.load({instance("tracker", "probe_connector", kProbeSettings)});
  CHECK(f.request("GET", "/plugins/tracker/greeting").status == 200);
  host.shutdown();
  CHECK(host.find("tracker") == nullptr);
  CHECK(host.statuses().at(0).state == "stopped");
  const auto response = f.request("GET", "/plugins/tracker/greeting");
  CHECK(response.status == 503);
  CHECK_THAT(response.body, Contains("tracker") && Contains("not running"));
}

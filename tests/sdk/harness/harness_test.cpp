// The SDK's test harness as a vendor relies on it: it loads a plugin the way the server does,
// hands it every host service in memory, reports each call's status and error text, builds
// callback documents as the kernel does, and names what to fix when a plugin cannot load.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <cxloop/sdk/http.hpp>
#include <cxloop/sdk/testing/plugin_harness.hpp>

using Catch::Matchers::Contains;
using cxloop::sdk::testing::CallbackRequest;
using cxloop::sdk::testing::PluginHarness;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A probe with its business call answered, created with a greeting.
std::unique_ptr<PluginHarness> probe(const std::string& dir = CXLOOP_PROBE_CONNECTOR_DIR) {
  auto harness = std::make_unique<PluginHarness>(dir);
  harness->on_call("test.echo", [](const json& request) { return json{{"echo", request}}; });
  harness->create({{"greeting", "hello"}}, "probe1");
  return harness;
}

// A scratch plugin folder holding the given manifest (and, if given, a copy of a library).
struct PluginFolder {
  fs::path dir;
  PluginFolder(const json& manifest, const std::string& library = std::string()) {
    char name[] = "/tmp/cxloop-harness-XXXXXX";
    dir = mkdtemp(name);
    std::ofstream(dir / "plugin.json") << manifest.dump();
    if (!library.empty()) fs::copy_file(library, dir / fs::path(library).filename());
  }
  ~PluginFolder() { fs::remove_all(dir); }
};

// base with an RFC 7386 merge patch applied (a null member removes the key).
json patched(json base, const json& patch) {
  base.merge_patch(patch);
  return base;
}

json probe_manifest() {
  std::ifstream in(std::string(CXLOOP_PROBE_CONNECTOR_DIR) + "/plugin.json");
  return json::parse(in);
}

}  // namespace

TEST_CASE("The harness serves every host service to the plugin and records what it did") {
  auto harness = probe();
  CHECK(harness->kind() == "connector");
  CHECK(harness->instance_name() == "probe1");
  const auto kv = harness->kv();
  CHECK(json::parse(kv.at("call_result")) == json{{"echo", {{"from", "connector"}}}});
  CHECK(kv.at("missing_call_status") == "unsupported");  // no handler for test.missing
  const auto calls = harness->calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].first == "test.echo");
  CHECK(calls[1].first == "test.missing");
  CHECK(harness->logged("probe starting with greeting hello"));
  REQUIRE(harness->metrics().size() == 1);
  CHECK(harness->metrics()[0].name == "probe_started_total");
  CHECK(harness->metrics()[0].labels == json{{"kind", "connector"}});
  CHECK(harness->subscriptions() == std::vector<std::string>{"test.*"});
  const auto routes = harness->routes();
  REQUIRE(routes.size() == 2);
  CHECK((routes[0].method == "GET" && routes[0].path == "/greeting" && !routes[0].is_public));
  CHECK((routes[1].method == "POST" && routes[1].path == "/inbound" && routes[1].is_public));
}

TEST_CASE("A business call without a handler fails in the plugin with UNSUPPORTED") {
  PluginHarness harness(CXLOOP_PROBE_CONNECTOR_DIR);
  // The probe's constructor lets the failed test.echo call escape, so init fails with it.
  CHECK_THROWS_WITH(
      harness.create({{"greeting", "hello"}}),
      Contains("failed at init") && Contains("test.echo") && Contains("PluginHarness::on_call"));
}

TEST_CASE("A handler's sdk::Error reaches the plugin with its status") {
  PluginHarness harness(CXLOOP_PROBE_CONNECTOR_DIR);
  harness.on_call("test.echo", [](const json&) -> json {
    throw cxloop::sdk::Error(CXLOOP_ERR_CONFLICT, "revision 3 is stale");
  });
  CHECK_THROWS_WITH(harness.create({{"greeting", "hello"}}),
                    Contains("conflict") && Contains("revision 3 is stale"));
}

TEST_CASE("Connector operations return the response, or the status and error text") {
  auto harness = probe();
  const auto pushed = harness->push({{"id", 4}, {"title", "t"}, {"idempotency_key", "k"}});
  REQUIRE(pushed.ok());
  CHECK(pushed.response == json{{"external_ref", "EXT-4"}});
  CHECK(harness->kv().count("task:EXT-4") == 1);
  const auto polled = harness->poll({"EXT-4", "EXT-5"});
  REQUIRE(polled.ok());
  CHECK(polled.response ==
        json{{"statuses", json::array({{{"external_ref", "EXT-4"}, {"status", "open"}}})}});

  const auto update = harness->update({{"external_ref", "EXT-4"}}, {{"status", "done"}});
  CHECK(update.status == CXLOOP_ERR_UNSUPPORTED);
  CHECK_THAT(update.error, Contains("'update' is not implemented"));
  CHECK_THAT(update.text(), Contains("unsupported: "));

  const auto down = harness->invoke("probe.unavailable", json::object());
  CHECK(down.status == CXLOOP_ERR_UNAVAILABLE);
  CHECK(down.error == "downstream is down");
  CHECK(harness->invoke("probe.throw_std", json::object()).status == CXLOOP_ERR_INTERNAL);
  CHECK(harness->invoke("probe.throw_other", json::object()).status == CXLOOP_ERR_INTERNAL);
}

TEST_CASE("Callback documents are built as the kernel builds them") {
  auto harness = probe();
  CallbackRequest request;
  request.path = "/status";
  request.query = {{"source", "tracker"}};
  request.headers = {{"X-Signature", "abc"}};
  request.body = "{\"ok\": true}";
  json doc = harness->request_document(request);
  CHECK(doc.at("method") == "POST");
  CHECK(doc.at("path") == "/hooks/connectors/probe1/status");
  CHECK(doc.at("headers") == json{{"x-signature", "abc"}});
  CHECK(doc.at("query") == json{{"source", "tracker"}});
  CHECK(doc.at("body") == "{\"ok\": true}");
  CHECK_FALSE(doc.contains("body_encoding"));

  // Bytes that are not UTF-8 cross base64-encoded and arrive unchanged in the SDK.
  for (const std::string& body : {std::string("caf\xe9"), std::string("\xff\xfe\x01", 3),
                                  std::string("\x80\x80\x80\x80", 4)}) {
    request.body = body;
    doc = harness->request_document(request);
    CHECK(doc.at("body_encoding") == "base64");
    CHECK(cxloop::sdk::HttpRequest::from_json(doc).body == body);
  }

  // The probe does not implement callbacks: the SDK answers for it.
  const auto result = harness->callback(request);
  CHECK(result.status == CXLOOP_ERR_UNSUPPORTED);
  CHECK_THAT(result.error, Contains("'callback'"));
}

TEST_CASE("Routes, events and enqueued work go through the harness") {
  auto harness = probe();
  const json request = {{"method", "POST"},
                        {"path", "/hooks/connector/probe1/inbound"},
                        {"headers", {{"idempotency-key", "once"}}},
                        {"body", R"({"n": 1})"}};
  const auto answered = harness->handle_http(request);
  REQUIRE(answered.ok());
  CHECK(answered.response.at("status") == 202);
  CHECK(harness->handle_http(request).ok());
  const auto work = harness->enqueued();
  REQUIRE(work.size() == 1);  // the same idempotency key is queued once
  CHECK(work[0].target_instance == "probe1");
  CHECK(work[0].operation == "probe.record");
  CHECK(work[0].payload == json{{"n", 1}});
  CHECK(work[0].idempotency_key == "once");

  REQUIRE(harness->deliver_event({{"id", 9}, {"type", "test.ping"}}).ok());
  CHECK(json::parse(harness->kv().at("last_event")).at("type") == "test.ping");

  harness->kv_put("probe-seed", "x");
  CHECK(harness->invoke("probe.kv_remove", {{"key", "probe-seed"}}).response ==
        json{{"removed", true}});
  CHECK(harness->invoke("probe.kv_remove", {{"key", "probe-seed"}}).response ==
        json{{"removed", false}});
}

TEST_CASE("The harness is used in order: create once, before any operation") {
  PluginHarness harness(CXLOOP_PROBE_CONNECTOR_DIR);
  CHECK_THROWS_AS(harness.push(json::object()), std::logic_error);
  harness.on_call("test.echo", [](const json&) { return json::object(); });
  harness.create({{"greeting", "hi"}});
  CHECK_THROWS_AS(harness.create({{"greeting", "hi"}}), std::logic_error);

  PluginHarness channel(CXLOOP_PROBE_CHANNEL_DIR);
  channel.on_call("test.echo", [](const json&) { return json::object(); });
  channel.create({{"greeting", "hi"}});
  CHECK_THROWS_WITH(channel.push(json::object()), Contains("is a channel"));
}

TEST_CASE("A constructor that refuses its settings fails create with its message") {
  PluginHarness harness(CXLOOP_INIT_THROWS_DIR);
  CHECK_THROWS_WITH(harness.create(json::object()), Contains("settings.endpoint is required"));
}

TEST_CASE("A plugin that cannot load is reported with what to fix") {
  CHECK_THROWS_WITH(PluginHarness("/nonexistent/plugins/x"),
                    Contains("plugin.json cannot be read"));
  {
    PluginFolder folder(json::object());
    std::ofstream(folder.dir / "plugin.json") << "{not json";
    CHECK_THROWS_WITH(PluginHarness(folder.dir.string()), Contains("is not valid JSON"));
  }
  const std::string probe_library =
      std::string(CXLOOP_PROBE_CONNECTOR_DIR) + "/libprobe_connector.so";
  const auto refused = [&](const json& manifest, const std::string& library,
                           const std::string& message) {
    PluginFolder folder(manifest, library);
    CHECK_THROWS_WITH(PluginHarness(folder.dir.string()), Contains(message));
  };
  json manifest = probe_manifest();
  refused(patched(manifest, {{"library", nullptr}}), "", "\"library\" must be a string");
  refused(patched(manifest, {{"kind", "widget"}}), "", "use channel, connector");
  refused(patched(manifest, {{"abi", {{"major", 2}}}}), "", "does not load into");
  refused(patched(manifest, {{"abi", {{"minor", 99}}}}), "", "does not load into");
  refused(manifest, "", "cannot load");  // the library is not in the folder
  refused(patched(manifest, {{"name", "other"}}), probe_library,
          "reports name \"probe_connector\"");
  refused(patched(manifest, {{"kind", "notifier"}}), probe_library, "reports kind");
  refused(patched(manifest, {{"library", "libraw_no_entry.so"}}), CXLOOP_RAW_NO_ENTRY,
          "does not export cxloop_plugin_entry_v1");
}

// A plugin of each kind, built with the SDK, receives its config, its events and its HTTP
// requests, and reaches every host service; whatever it throws comes back as a status.
#include <catch2/catch.hpp>

#include "plugin_host/outbox_dispatcher.hpp"
#include "plugin_host/plugin_host.hpp"
#include "plugin_host_fixture.hpp"

using Catch::Matchers::Contains;
using cxloop::config::PluginInstanceConfig;
using cxloop::plugin_host::OutboxDispatcher;
using cxloop::plugin_host::PluginCallError;
using cxloop::plugin_host::PluginHost;
using cxloop::plugin_host::PluginInstance;
using cxloop::testing::PluginHostFixture;
using nlohmann::json;

namespace {

// One loaded probe instance named "probe-<kind>" on a fresh fixture.
struct Probe {
  explicit Probe(const std::string& kind_name)
      : kind(kind_name), name("probe-" + kind_name), host(f.env(), {CXLOOP_FAKE_PLUGIN_DIR}) {
    PluginInstanceConfig config;
    config.name = name;
    config.plugin = "probe_" + kind;
    config.settings_json = R"({"greeting": "hello from )" + kind + R"("})";
    config.required = true;
    host.load({config});
    instance = host.find(name);
    REQUIRE(instance != nullptr);
  }
  json kv_json(const std::string& key) {
    auto value = f.kv->get(name, key);
    REQUIRE(value.has_value());
    return json::parse(*value);
  }

  PluginHostFixture f;
  std::string kind;
  std::string name;
  PluginHost host;
  PluginInstance* instance = nullptr;
};

cxloop_status status_of(PluginInstance& instance, const std::string& operation) {
  try {
    instance.invoke(operation, json::object());
  } catch (const PluginCallError& e) {
    return e.status();
  }
  return CXLOOP_OK;
}

std::string message_of(PluginInstance& instance, const std::string& operation) {
  try {
    instance.invoke(operation, json::object());
  } catch (const PluginCallError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("Every plugin kind receives its validated settings through config()") {
  const std::string kind = GENERATE("channel", "connector", "analytics", "notifier");
  Probe p(kind);
  const auto response = p.f.request("GET", "/plugins/" + p.name + "/greeting");
  CHECK(response.status == 200);
  const json body = json::parse(response.body);
  CHECK(body.at("greeting") == "hello from " + kind);
  CHECK(body.at("kind") == kind);
  CHECK(p.instance->kind() == kind);
}

TEST_CASE("Every plugin kind calls host operations as actor plugin:<instance>") {
  const std::string kind = GENERATE("channel", "connector", "analytics", "notifier");
  Probe p(kind);
  const json echoed = p.kv_json("call_result");
  CHECK(echoed.at("echo").at("from") == kind);
  CHECK(echoed.at("actor") == "plugin:" + p.name);
  CHECK(echoed.at("role") == "plugin");
  // An unknown operation is the DomainError not_found, seen by the plugin as NOT_FOUND.
  CHECK(p.f.kv->get(p.name, "missing_call_status") == std::optional<std::string>("not_found"));
}

TEST_CASE("A plugin metric is rendered with the cxloop_plugin_ prefix and an instance label") {
  const std::string kind = GENERATE("channel", "connector", "analytics", "notifier");
  Probe p(kind);
  const std::string line =
      p.f.metric_line("cxloop_plugin_probe_started_total", "instance=\"" + p.name + "\"");
  CHECK_THAT(line, Contains("kind=\"" + kind + "\"") && Contains("} 1"));
}

TEST_CASE("Every plugin kind receives the events it subscribed to and no others") {
  const std::string kind = GENERATE("channel", "connector", "analytics", "notifier");
  Probe p(kind);
  cxloop::events::Event wanted;
  wanted.id = 41;
  wanted.type = "test.ping";
  wanted.subject = "case:7";
  wanted.actor = "system";
  wanted.data_json = R"({"n": 1})";
  cxloop::events::Event unwanted = wanted;
  unwanted.id = 42;
  unwanted.type = "other.ping";
  p.f.events.publish(wanted);
  p.f.events.publish(unwanted);
  p.f.events.stop();  // delivers everything queued
  const json event = p.kv_json("last_event");
  CHECK(event.at("id") == 41);
  CHECK(event.at("type") == "test.ping");
  CHECK(event.at("subject") == "case:7");
  CHECK(event.at("data").at("n") == 1);
}

TEST_CASE("Work a public hook enqueues is dispatched back to the plugin with its key") {
  const std::string kind = GENERATE("channel", "connector", "analytics", "notifier");
  Probe p(kind);
  const std::string hook = "/hooks/" + kind + "/" + p.name + "/inbound";
  const auto accepted = p.f.request("POST", hook, R"({"n": 7})", {{"idempotency-key", "k-1"}});
  CHECK(accepted.status == 202);
  // The same key again is harmless: nothing more is queued.
  CHECK(p.f.request("POST", hook, R"({"n": 8})", {{"idempotency-key", "k-1"}}).status == 202);

  OutboxDispatcher dispatcher(*p.f.outbox, p.host, p.f.metrics, "node-a", 1,
                              std::chrono::milliseconds(50));
  CHECK(dispatcher.dispatch_due() == 1);
  const json recorded = p.kv_json("recorded");
  CHECK(recorded.at("n") == 7);
  CHECK(recorded.at("idempotency_key") == "k-1");
}

TEST_CASE("Exceptions thrown inside plugin code become a status and a message") {
  const std::string kind = GENERATE("channel", "connector", "analytics", "notifier");
  Probe p(kind);
  CHECK(status_of(*p.instance, "probe.throw_std") == CXLOOP_ERR_INTERNAL);
  CHECK_THAT(message_of(*p.instance, "probe.throw_std"),
             Contains(p.name) && Contains("probe failure on purpose"));
  CHECK(status_of(*p.instance, "probe.throw_other") == CXLOOP_ERR_INTERNAL);
  CHECK_THAT(message_of(*p.instance, "probe.throw_other"), Contains("not a std::exception"));
  CHECK(status_of(*p.instance, "probe.unavailable") == CXLOOP_ERR_UNAVAILABLE);
  CHECK(status_of(*p.instance, "probe.invalid") == CXLOOP_ERR_INVALID);
  CHECK(status_of(*p.instance, "no.such.operation") == CXLOOP_ERR_UNSUPPORTED);
  CHECK_THAT(message_of(*p.instance, "no.such.operation"), Contains("no.such.operation"));
  // Reading a required member that is missing is the request's fault.
  CHECK(status_of(*p.instance, "probe.kv_remove") == CXLOOP_ERR_INVALID);
  // The host and the instance carry on.
  CHECK(p.f.request("GET", "/plugins/" + p.name + "/greeting").status == 200);
}

TEST_CASE("A request the plugin rejects becomes a problem+json response") {
  Probe p("connector");
  const auto response =
      p.f.request("POST", "/hooks/connector/" + p.name + "/inbound", "this is not JSON");
  CHECK(response.status == 400);
  CHECK_THAT(response.body, Contains("not valid JSON"));
  CHECK_THAT(response.headers.at("content-type"), Contains("problem+json"));
}

TEST_CASE("Kind operations reach the typed virtuals of each kind") {
  SECTION("connector push, poll and an unimplemented update") {
    Probe p("connector");
    const json pushed = p.instance->invoke("push", json{{"id", 12}, {"title", "Fix batch 7"}});
    CHECK(pushed.at("external_ref") == "EXT-12");
    const json polled = p.instance->invoke("poll", json{{"refs", {"EXT-12", "EXT-99"}}});
    REQUIRE(polled.at("statuses").size() == 1);
    CHECK(polled.at("statuses")[0].at("external_ref") == "EXT-12");
    CHECK_THROWS_AS(p.instance->invoke("update", json{{"task", {}}, {"change", {}}}),
                    PluginCallError);
    CHECK_THROWS_WITH(p.instance->invoke("poll", json::object()), Contains("'refs'"));
  }
  SECTION("notifier send") {
    Probe p("notifier");
    const json sent = p.instance->invoke("send", json{{"idempotency_key", "n-1"}});
    CHECK(sent.at("state") == "sent");
    CHECK(p.f.kv->get(p.name, "sent:n-1").has_value());
  }
  SECTION("analytics match") {
    Probe p("analytics");
    const json matched = p.instance->invoke("match", json{{"case", {{"id", 3}}}});
    CHECK(matched.at("seen").at("id") == 3);
  }
  SECTION("channel deliver") {
    Probe p("channel");
    CHECK(p.instance->invoke("deliver", json{{"to", "a@b.c"}}).at("external_ref") == "reply-1");
  }
}

TEST_CASE("kv_remove reports whether the key existed") {
  Probe p("connector");
  p.f.kv->put(p.name, "temp", "1");
  CHECK(p.instance->invoke("probe.kv_remove", json{{"key", "temp"}}).at("removed") == true);
  CHECK(p.instance->invoke("probe.kv_remove", json{{"key", "temp"}}).at("removed") == false);
}

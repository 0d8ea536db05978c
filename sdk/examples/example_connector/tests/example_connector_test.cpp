// The example connector's own tests, written as a vendor writes them: the built plugin runs in
// the SDK's test harness (cxloop::cxloop_sdk_testing), no server needed.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cxloop/sdk/testing/plugin_harness.hpp>

using Catch::Matchers::Contains;
using cxloop::sdk::testing::CallbackRequest;
using cxloop::sdk::testing::PluginHarness;
using nlohmann::json;

namespace {

json task(int id, const std::string& key) {
  return {{"id", id}, {"title", "Replace manuals of batch 7"}, {"idempotency_key", key}};
}

CallbackRequest status_callback(const std::string& body) {
  CallbackRequest request;
  request.path = "/status";
  request.headers["Content-Type"] = "application/json";
  request.body = body;
  return request;
}

}  // namespace

TEST_CASE("The example connector hands out references with its prefix") {
  PluginHarness harness(EXAMPLE_PLUGIN_DIR);
  harness.create({{"prefix", "OPS"}});
  const auto pushed = harness.push(task(5, "t-5"));
  INFO(pushed.text());
  REQUIRE(pushed.ok());
  CHECK(pushed.response == json{{"external_ref", "OPS-1"}, {"status", "open"}});
  CHECK(harness.push(task(6, "t-6")).response.at("external_ref") == "OPS-2");
  CHECK(harness.logged("tickets are numbered OPS-<n>"));
}

TEST_CASE("A push repeated with the same idempotency key returns the first ticket") {
  PluginHarness harness(EXAMPLE_PLUGIN_DIR);
  harness.create(json::object());
  const auto first = harness.push(task(5, "t-5"));
  const auto again = harness.push(task(5, "t-5"));
  REQUIRE(again.ok());
  CHECK(again.response.at("external_ref") == first.response.at("external_ref"));
  CHECK(harness.kv().at("next_number") == "2");  // one ticket made
  CHECK(harness.metrics().size() == 1);
}

TEST_CASE("Poll reports the tickets it knows and skips the others") {
  PluginHarness harness(EXAMPLE_PLUGIN_DIR);
  harness.create(json::object());
  REQUIRE(harness.push(task(5, "t-5")).ok());
  const auto polled = harness.poll({"EX-1", "EX-404"});
  REQUIRE(polled.ok());
  CHECK(polled.response ==
        json{{"statuses", json::array({{{"external_ref", "EX-1"}, {"status", "open"}}})}});
}

TEST_CASE("A status callback changes the ticket, and poll sees it") {
  PluginHarness harness(EXAMPLE_PLUGIN_DIR);
  harness.create(json::object());
  REQUIRE(harness.push(task(5, "t-5")).ok());
  const auto called =
      harness.callback(status_callback(R"({"external_ref":"EX-1","status":"done"})"));
  INFO(called.text());
  REQUIRE(called.ok());
  CHECK(called.response.at("changes")[0].at("status") == "done");
  CHECK(harness.poll({"EX-1"}).response.at("statuses")[0].at("status") == "done");
}

TEST_CASE("Wrong requests fail with a status and a message") {
  PluginHarness harness(EXAMPLE_PLUGIN_DIR);
  harness.create(json::object());
  REQUIRE(harness.push(task(5, "t-5")).ok());

  const auto bad_status = harness.update({{"external_ref", "EX-1"}}, {{"status", "finished"}});
  CHECK(bad_status.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(bad_status.error, Contains("must be open, in_progress, done or rejected"));

  const auto unknown = harness.update({{"external_ref", "EX-9"}}, {{"status", "done"}});
  CHECK(unknown.status == CXLOOP_ERR_NOT_FOUND);
  CHECK_THAT(unknown.error, Contains("no ticket EX-9"));

  const auto malformed = harness.callback(status_callback("{not json"));
  CHECK(malformed.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(malformed.error, Contains("not valid JSON"));
}

TEST_CASE("The connector registers its public status hook at creation") {
  PluginHarness harness(EXAMPLE_PLUGIN_DIR);
  harness.create(json::object());
  const auto routes = harness.routes();
  REQUIRE(routes.size() == 1);
  CHECK(routes[0].method == "POST");
  CHECK(routes[0].path == "/status");
  CHECK(routes[0].is_public);
}

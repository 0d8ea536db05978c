// The webhook connector as a department's receiver meets it: the built plugin runs in the
// SDK's test harness and POSTs to a real HTTP server this test starts on 127.0.0.1; callbacks
// are signed here exactly as README.md tells receiver authors to sign them.
#include <catch2/catch.hpp>

#include <Poco/Net/ServerSocket.h>

#include <chrono>
#include <string>

#include <cxloop/sdk/testing/plugin_harness.hpp>

#include "gateway_receiver.hpp"
#include "hmac_sha256.hpp"

using Catch::Matchers::Contains;
using cxloop::sdk::testing::CallbackRequest;
using cxloop::sdk::testing::PluginHarness;
using cxloop::testing::GatewayReceiver;
using cxloop::testing::GatewayRequest;
using nlohmann::json;

namespace {

const std::string kSecret = "delivery-secret-0123456789";
const std::string kCallbackSecret = "callback-secret-0123456789";

std::unique_ptr<PluginHarness> webhook(const json& settings) {
  auto harness = std::make_unique<PluginHarness>(CXLOOP_WEBHOOK_PLUGIN_DIR);
  harness->create(settings, "finance");
  return harness;
}

json settings_for(const std::string& url) {
  return {{"url", url}, {"secret", kSecret}, {"callback_secret", kCallbackSecret}};
}

json task(int id, const std::string& key) {
  return {{"id", id},
          {"number", "TSK-" + std::to_string(id)},
          {"problem", {{"id", 3}, {"number", "PRB-000003"}, {"title", "Double charges"}}},
          {"department", {{"id", 2}, {"name", "finance"}, {"settings", json::object()}}},
          {"title", "Refund double charges of March"},
          {"description", "Card payments were charged twice on 3 March."},
          {"due_at", "2026-12-01T00:00:00Z"},
          {"status", "queued"},
          {"idempotency_key", key}};
}

// The header's value whatever the case the client wrote its name in.
std::string header(const GatewayRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (Poco::icompare(key, name) == 0) return value;
  }
  return {};
}

long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A callback signed the way README.md describes it.
CallbackRequest signed_callback(const std::string& body,
                                const std::string& secret = kCallbackSecret,
                                long long timestamp = now_s()) {
  CallbackRequest request;
  request.body = body;
  const std::string ts = std::to_string(timestamp);
  request.headers["X-Cxloop-Timestamp"] = ts;
  request.headers["X-Cxloop-Signature"] =
      "sha256=" + cxloop::plugins::hmac_sha256_hex(secret, ts + "." + body);
  return request;
}

// base with an RFC 7386 merge patch applied (a null member removes the key).
json patched(json base, const json& patch) {
  base.merge_patch(patch);
  return base;
}

// A port nothing listens on: bound once to learn a free number, then closed.
std::string unused_url() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const auto port = socket.address().port();
  socket.close();
  return "http://127.0.0.1:" + std::to_string(port) + "/tasks";
}

}  // namespace

TEST_CASE("The manifest declares a connector with callbacks and comments") {
  PluginHarness harness(CXLOOP_WEBHOOK_PLUGIN_DIR);
  CHECK(harness.kind() == "connector");
  CHECK(harness.manifest().at("capabilities") == json::array({"callbacks", "comments"}));
}

TEST_CASE("Signatures are sha256= and the hex HMAC-SHA256 of '<timestamp>.<body>'") {
  // Computed independently (Python's hmac module), so the README's scheme is pinned.
  CHECK(cxloop::plugins::hmac_sha256_hex(
            "0123456789abcdef-test", R"(1700000000.{"external_ref":"DEPT-1","status":"done"})") ==
        "da45d19c23a1fd26443856f563698c6f10cf267587d6757684aef0913ad0edc1");
}

TEST_CASE("A push POSTs the task as signed JSON to the receiver") {
  GatewayReceiver receiver;
  auto harness = webhook(settings_for(receiver.url("/tasks")));
  const auto pushed = harness->push(task(12, "task:12:push"));
  INFO(pushed.text());
  REQUIRE(pushed.ok());
  CHECK(pushed.response.at("external_ref") == "webhook:12");

  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  const GatewayRequest& delivered = requests[0];
  CHECK(delivered.method == "POST");
  CHECK(delivered.uri == "/tasks");
  CHECK_THAT(header(delivered, "Content-Type"), Contains("application/json"));
  CHECK(header(delivered, "Idempotency-Key") == "task:12:push");
  CHECK(header(delivered, "X-Cxloop-Event") == "task.push");
  const json body = json::parse(delivered.body);
  CHECK(body.at("event") == "task.push");
  CHECK(body.at("task").at("title") == "Refund double charges of March");
  CHECK(body.at("task").at("problem").at("number") == "PRB-000003");
  CHECK(body.at("task").at("department") == json{{"id", 2}, {"name", "finance"}});

  // The receiver can check the delivery with nothing but the shared secret.
  const std::string timestamp = header(delivered, "X-Cxloop-Timestamp");
  CHECK(std::llabs(std::stoll(timestamp) - now_s()) < 60);
  CHECK(header(delivered, "X-Cxloop-Signature") ==
        "sha256=" + cxloop::plugins::hmac_sha256_hex(kSecret, timestamp + "." + delivered.body));
}

TEST_CASE("The receiver's answer may name the task's reference, link and state") {
  GatewayReceiver receiver;
  receiver.answer_with(
      201, R"({"external_ref": "FIN-881", "url": "https://fin.example/FIN-881", "status": "New"})");
  auto harness = webhook(settings_for(receiver.url("/tasks")));
  const auto pushed = harness->push(task(13, "task:13:push"));
  INFO(pushed.text());
  REQUIRE(pushed.ok());
  CHECK(pushed.response == json{{"external_ref", "FIN-881"},
                                {"url", "https://fin.example/FIN-881"},
                                {"status", "open"}});

  receiver.answer_with(200, R"({"external_ref": ""})");
  const auto refused = harness->push(task(14, "task:14:push"));
  CHECK(refused.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(refused.error, Contains("external_ref"));
}

TEST_CASE("A push repeated with the same idempotency key does not POST twice") {
  GatewayReceiver receiver;
  receiver.answer_with(200, R"({"external_ref": "FIN-1"})");
  auto harness = webhook(settings_for(receiver.url("/tasks")));
  const auto first = harness->push(task(15, "task:15:push"));
  const auto again = harness->push(task(15, "task:15:push"));
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(again.response == first.response);
  CHECK(receiver.requests().size() == 1);

  // A different key is a different delivery.
  receiver.answer_with(200, R"({"external_ref": "FIN-2"})");
  CHECK(harness->push(task(16, "task:16:push")).response.at("external_ref") == "FIN-2");
  CHECK(receiver.requests().size() == 2);
}

TEST_CASE("A department's connector_settings url replaces the instance's") {
  GatewayReceiver instance_receiver;
  GatewayReceiver department_receiver;
  auto harness = webhook(settings_for(instance_receiver.url("/tasks")));
  json doc = task(21, "task:21:push");
  doc["department"]["settings"] = {{"url", department_receiver.url("/finance")}};
  REQUIRE(harness->push(doc).ok());
  CHECK(instance_receiver.requests().empty());
  REQUIRE(department_receiver.requests().size() == 1);
  CHECK(department_receiver.requests()[0].uri == "/finance");

  doc["idempotency_key"] = "task:21:push:2";
  doc["department"]["settings"]["url"] = "mailto:finance@example.com";
  const auto refused = harness->push(doc);
  CHECK(refused.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(refused.error, Contains("department 'finance' connector_settings 'url'"));
}

TEST_CASE("A receiver that is down or failing makes the push UNAVAILABLE, to be retried") {
  SECTION("nothing listens") {
    const std::string url = unused_url();
    auto harness = webhook(settings_for(url));
    const auto pushed = harness->push(task(17, "task:17:push"));
    CHECK(pushed.status == CXLOOP_ERR_UNAVAILABLE);
    CHECK_THAT(pushed.error, Contains(url) && Contains("will be retried"));
    CHECK(harness->kv().count("pushed:task:17:push") == 0);  // the retry will POST again
  }
  SECTION("the receiver answers 5xx, then recovers") {
    GatewayReceiver receiver;
    receiver.answer_with(503);
    auto harness = webhook(settings_for(receiver.url("/tasks")));
    const auto pushed = harness->push(task(18, "task:18:push"));
    CHECK(pushed.status == CXLOOP_ERR_UNAVAILABLE);
    CHECK_THAT(pushed.error, Contains("HTTP 503"));

    receiver.answer_with(200, R"({"external_ref": "FIN-18"})");
    const auto retried = harness->push(task(18, "task:18:push"));
    REQUIRE(retried.ok());
    CHECK(retried.response.at("external_ref") == "FIN-18");
    CHECK(harness->push(task(18, "task:18:push")).response.at("external_ref") == "FIN-18");
    CHECK(receiver.requests().size() == 2);  // the failed attempt and the delivery, no more
  }
}

TEST_CASE("A receiver that does not answer within timeout_s makes the push UNAVAILABLE") {
  // Connections complete in the listen backlog, but nobody ever reads or answers.
  Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.address().port()) + "/";
  json settings = settings_for(url);
  settings["timeout_s"] = 1;
  auto harness = webhook(settings);
  const auto started = std::chrono::steady_clock::now();
  const auto pushed = harness->push(task(22, "task:22:push"));
  CHECK(pushed.status == CXLOOP_ERR_UNAVAILABLE);
  CHECK_THAT(pushed.error, Contains(url) && Contains("will be retried"));
  // Bounded by the setting, not by the 10 s default.
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(8));
}

TEST_CASE("A receiver's 4xx refusal makes the push INVALID with the receiver's answer") {
  GatewayReceiver receiver;
  receiver.answer_with(422, R"({"error": "unknown cost centre 77"})");
  auto harness = webhook(settings_for(receiver.url("/tasks")));
  const auto pushed = harness->push(task(19, "task:19:push"));
  CHECK(pushed.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(pushed.error, Contains("HTTP 422") && Contains("unknown cost centre 77"));
}

TEST_CASE("An update POSTs the change, signed, with the outbox's idempotency key") {
  GatewayReceiver receiver;
  auto harness = webhook(settings_for(receiver.url("/tasks")));
  json doc = task(20, "task:20:push");
  doc["external_ref"] = "FIN-20";
  const auto updated = harness->invoke(
      "update", {{"task", doc},
                 {"change", {{"due_at", "2026-12-24T00:00:00Z"}, {"comment", "Needs sign-off"}}},
                 {"idempotency_key", "task:20:update:1"}});
  INFO(updated.text());
  REQUIRE(updated.ok());
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  CHECK(header(requests[0], "Idempotency-Key") == "task:20:update:1");
  CHECK(header(requests[0], "X-Cxloop-Event") == "task.update");
  const json body = json::parse(requests[0].body);
  CHECK(body.at("change").at("comment") == "Needs sign-off");
  CHECK(body.at("task").at("external_ref") == "FIN-20");
  const std::string timestamp = header(requests[0], "X-Cxloop-Timestamp");
  CHECK(header(requests[0], "X-Cxloop-Signature") ==
        "sha256=" + cxloop::plugins::hmac_sha256_hex(kSecret, timestamp + "." + requests[0].body));

  receiver.answer_with(404, R"({"error": "no such task"})");
  const auto refused = harness->update(doc, {{"status", "done"}});
  CHECK(refused.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(refused.error, Contains("no such task"));
}

TEST_CASE("A signed callback becomes a task change with its status and comment") {
  auto harness = webhook(settings_for("http://127.0.0.1:9/unused"));
  const json body = {
      {"external_ref", "FIN-881"},
      {"status", "resolved"},
      {"comment", {{"id", "c-7"}, {"author", "Ana (finance)"}, {"body", "Refunds sent"}}}};
  const auto result = harness->callback(signed_callback(body.dump()));
  INFO(result.text());
  REQUIRE(result.ok());
  CHECK(result.response.at("changes") ==
        json::array(
            {{{"external_ref", "FIN-881"}, {"status", "done"}, {"comment", body.at("comment")}}}));

  // A plain-text comment gets a stable id from its signature.
  const auto commented =
      harness->callback(signed_callback(R"({"external_ref": "FIN-881", "comment": "Half done"})"));
  REQUIRE(commented.ok());
  const json comment = commented.response.at("changes")[0].at("comment");
  CHECK(comment.at("body") == "Half done");
  CHECK_THAT(comment.at("id").get<std::string>(), Contains("webhook:"));
  CHECK_FALSE(commented.response.at("changes")[0].contains("status"));
}

TEST_CASE("Callbacks that are unsigned, wrongly signed, replayed or stale are FORBIDDEN") {
  auto harness = webhook(settings_for("http://127.0.0.1:9/unused"));
  const std::string body = R"({"external_ref": "FIN-1", "status": "done"})";

  SECTION("unsigned") {
    CallbackRequest request;
    request.body = body;
    const auto result = harness->callback(request);
    CHECK(result.status == CXLOOP_ERR_FORBIDDEN);
    CHECK_THAT(result.error, Contains("not signed") && Contains("X-Cxloop-Signature"));
  }
  SECTION("signed with another secret, including the delivery secret") {
    for (const std::string& secret : {std::string("someone-elses-secret-1234"), kSecret}) {
      const auto result = harness->callback(signed_callback(body, secret));
      CHECK(result.status == CXLOOP_ERR_FORBIDDEN);
      CHECK_THAT(result.error, Contains("does not match"));
    }
  }
  SECTION("a body changed after signing") {
    CallbackRequest request = signed_callback(body);
    request.body = R"({"external_ref": "FIN-1", "status": "rejected"})";
    CHECK(harness->callback(request).status == CXLOOP_ERR_FORBIDDEN);
  }
  SECTION("a timestamp that is not a number") {
    CallbackRequest request = signed_callback(body);
    request.headers["X-Cxloop-Timestamp"] = "yesterday";
    const auto result = harness->callback(request);
    CHECK(result.status == CXLOOP_ERR_FORBIDDEN);
    CHECK_THAT(result.error, Contains("not a Unix time"));
  }
  SECTION("replayed") {
    const CallbackRequest request = signed_callback(body);
    REQUIRE(harness->callback(request).ok());
    const auto replayed = harness->callback(request);
    CHECK(replayed.status == CXLOOP_ERR_FORBIDDEN);
    CHECK_THAT(replayed.error, Contains("replay"));
    // Re-signed with a new timestamp, the same change is accepted again.
    CHECK(harness->callback(signed_callback(body, kCallbackSecret, now_s() + 1)).ok());
  }
  SECTION("stale or from the future, outside the replay window") {
    for (long long timestamp : {now_s() - 301, now_s() + 301}) {
      const auto result = harness->callback(signed_callback(body, kCallbackSecret, timestamp));
      CHECK(result.status == CXLOOP_ERR_FORBIDDEN);
      CHECK_THAT(result.error, Contains("outside replay_window_s (300 s)"));
    }
    CHECK(harness->callback(signed_callback(body, kCallbackSecret, now_s() - 200)).ok());
  }
}

TEST_CASE("The replay window and the callback secret come from the settings") {
  json settings = {
      {"url", "http://127.0.0.1:9/unused"}, {"secret", kSecret}, {"replay_window_s", 30}};
  auto harness = webhook(settings);
  const std::string body = R"({"external_ref": "FIN-1", "status": "done"})";
  CHECK(harness->callback(signed_callback(body, kSecret, now_s() - 60)).status ==
        CXLOOP_ERR_FORBIDDEN);
  // Without callback_secret, callbacks are verified with secret.
  CHECK(harness->callback(signed_callback(body, kSecret, now_s() - 10)).ok());
}

TEST_CASE("Malformed callback bodies are INVALID and say what to send") {
  auto harness = webhook(settings_for("http://127.0.0.1:9/unused"));
  const auto check = [&](const std::string& body, const std::string& message) {
    const auto result = harness->callback(signed_callback(body));
    CHECK(result.status == CXLOOP_ERR_INVALID);
    CHECK_THAT(result.error, Contains(message));
  };
  check("not json", "not valid JSON");
  check(R"(["FIN-1"])", "must be a JSON object");
  check(R"({"status": "done"})", "'external_ref'");
  check(R"({"external_ref": "FIN-1"})", "neither 'status' nor 'comment'");
  check(R"({"external_ref": "FIN-1", "status": "shipped"})", "settings 'status_map'");
  check(R"({"external_ref": "FIN-1", "comment": {"author": "x"}})", "'comment' must be");
}

TEST_CASE("Department states map to task states, and settings 'status_map' overrides them") {
  const auto state_of = [](PluginHarness& harness, const std::string& status) {
    const auto result = harness.callback(signed_callback(
        json{{"external_ref", "FIN-1"}, {"status", status}}.dump(), kCallbackSecret));
    INFO(result.text());
    REQUIRE(result.ok());
    return result.response.at("changes")[0].at("status").get<std::string>();
  };
  auto defaults = webhook(settings_for("http://127.0.0.1:9/unused"));
  CHECK(state_of(*defaults, "in_progress") == "in_progress");
  CHECK(state_of(*defaults, "In Progress") == "in_progress");
  CHECK(state_of(*defaults, "Resolved") == "done");
  CHECK(state_of(*defaults, "closed") == "done");
  CHECK(state_of(*defaults, "wontfix") == "rejected");
  CHECK(state_of(*defaults, "rejected") == "rejected");

  json settings = settings_for("http://127.0.0.1:9/unused");
  settings["status_map"] = {{"Deployed", "done"}, {"resolved", "in_progress"}};
  auto custom = webhook(settings);
  CHECK(state_of(*custom, "deployed") == "done");
  CHECK(state_of(*custom, "resolved") == "in_progress");
  CHECK(state_of(*custom, "wontfix") == "rejected");  // defaults stay
}

TEST_CASE("Bad settings are refused at init with a message naming the key") {
  const auto refused = [](const json& settings, const std::string& message) {
    PluginHarness harness(CXLOOP_WEBHOOK_PLUGIN_DIR);
    CHECK_THROWS_WITH(harness.create(settings), Contains(message));
  };
  const json good = settings_for("https://fin.example/hooks/cxloop");
  refused({{"secret", kSecret}}, "settings 'url' is missing");
  refused(patched(good, json{{"url", "ftp://fin.example/"}}), "settings 'url'");
  refused(patched(good, json{{"url", "https:///path"}}), "settings 'url'");
  refused(patched(good, json{{"secret", "short"}}), "settings 'secret'");
  refused(patched(good, json{{"callback_secret", 7}}), "settings 'callback_secret'");
  refused(patched(good, json{{"replay_window_s", 0}}), "settings 'replay_window_s'");
  refused(patched(good, json{{"timeout_s", "10"}}), "settings 'timeout_s'");
  refused(patched(good, json{{"status_map", {{"shipped", "finished"}}}}),
          "settings 'status_map/shipped'");
  refused(patched(good, json{{"urll", "https://x"}}), "settings 'urll' is not");
  PluginHarness harness(CXLOOP_WEBHOOK_PLUGIN_DIR);
  CHECK_NOTHROW(harness.create(good));
}

// The request_tracker connector against a real Request Tracker 5 (the request_tracker
// fixture): the built plugin runs in the SDK's test harness, as a vendor would test it, and
// the test checks and changes tickets in RT itself, through RT's REST 2 API as the
// department's staff (root). request_tracker_server_test.cpp runs it inside the server.
#include <catch2/catch.hpp>

#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <string>

#include <cxloop/sdk/testing/plugin_harness.hpp>

#include "gateway_receiver.hpp"
#include "test_request_tracker.hpp"

using cxloop::sdk::testing::PluginHarness;
using cxloop::testing::GatewayReceiver;
using cxloop::testing::request_tracker;
using cxloop::testing::RtStaff;
using nlohmann::json;

namespace {

json token_settings(json extra = json::object()) {
  const auto& rt = request_tracker();
  json settings = {{"url", rt.url},
                   {"queue", rt.queue},
                   {"auth", {{"token", rt.token}}},
                   {"timeout_s", 20},
                   {"poll_interval_s", 60}};
  settings.update(extra);
  return settings;
}

// A task document as the kernel pushes it, with a number of its own per test.
json make_task(const std::string& number, const std::string& title) {
  static std::atomic<int> counter{0};
  return {{"id", 100 + ++counter},
          {"number", number},
          {"title", title},
          {"description", "Hinges from batch B-77 crack within a week."},
          {"due_at", "2026-12-01T10:00:00Z"},
          {"status", "queued"},
          {"problem",
           {{"id", 45},
            {"number", "PRB-000045"},
            {"title", "Cracked hinges"},
            {"severity", "high"},
            {"root_cause", "worn mould"},
            {"scope", {{"batches", {"B-77"}}}}}},
          {"department", {{"id", 3}, {"name", "Manufacturing"}, {"settings", json::object()}}},
          {"idempotency_key", "push-" + number}};
}

// The plugin, created with settings in the SDK's harness.
class Connector {
 public:
  explicit Connector(const json& settings) : harness_(CXLOOP_RT_PLUGIN_DIR) {
    harness_.create(settings, "rt");
  }

  // The operation's response; throws with the plugin's status and message when it fails.
  json call(const std::string& operation, const json& request) {
    const auto result = harness_.invoke(operation, request);
    if (!result.ok()) throw std::runtime_error(operation + " failed: " + result.text());
    return result.response;
  }
  json push(const json& task) { return call("push", task); }
  json poll(const std::vector<std::string>& refs) { return call("poll", {{"refs", refs}}); }

  // The status the plugin fails operation with, and its message.
  std::pair<cxloop_status, std::string> failure(const std::string& operation, const json& request) {
    const auto result = harness_.invoke(operation, request);
    return {result.status, result.ok() ? "succeeded" : result.error};
  }

  PluginHarness& harness() { return harness_; }

 private:
  PluginHarness harness_;
};

// The sum of what the plugin added to counter name.
double counted(const PluginHarness& harness, const std::string& name) {
  double total = 0;
  for (const auto& sample : harness.metrics()) {
    if (sample.name == name) total += sample.value;
  }
  return total;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A loopback port nothing listens on.
std::uint16_t closed_port() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::uint16_t port = socket.address().port();
  socket.close();
  return port;
}

}  // namespace

TEST_CASE("a pushed task becomes a ticket in the queue with its subject, content and due date") {
  Connector rt(token_settings());
  RtStaff staff;
  const json answer = rt.push(make_task("TSK-RT0001", "Replace the hinge mould"));
  const std::string id = answer.at("external_ref");
  CHECK(answer.at("status") == "open");
  CHECK(answer.at("url") == request_tracker().url + "/Ticket/Display.html?id=" + id);

  const json ticket = staff.get("/ticket/" + id);
  CHECK(ticket.at("Subject") == "Replace the hinge mould [TSK-RT0001]");
  CHECK(ticket.at("Status") == "new");
  CHECK(ticket.at("Due") == "2026-12-01T10:00:00Z");
  CHECK(ticket.at("Creator").at("id") == request_tracker().user);
  CHECK(staff.ticket_ids(request_tracker().queue, "TSK-RT0001") == std::vector<std::string>{id});
  const auto texts = staff.texts(id);
  REQUIRE(texts.size() == 1);
  CHECK(contains(texts[0], "Hinges from batch B-77 crack within a week."));
  CHECK(contains(texts[0], "cxloop task TSK-RT0001 for problem PRB-000045: Cracked hinges"));
  CHECK(contains(texts[0], "Due: 2026-12-01 10:00:00 UTC"));
}

TEST_CASE("a push repeated with the same idempotency key gives the first ticket, not a second") {
  Connector rt(token_settings());
  RtStaff staff;
  const json task = make_task("TSK-RT0002", "Push twice");
  const json first = rt.push(task);
  const json again = rt.push(task);
  CHECK(again.at("external_ref") == first.at("external_ref"));
  CHECK(rt.harness().kv().at("push:push-TSK-RT0002") == first.at("external_ref"));
  CHECK(again.at("status") == "open");
  CHECK(staff.ticket_ids(request_tracker().queue, "TSK-RT0002").size() == 1);

  json other = task;
  other["idempotency_key"] = "push-TSK-RT0002-again";
  CHECK(rt.push(other).at("external_ref") != first.at("external_ref"));
  CHECK(staff.ticket_ids(request_tracker().queue, "TSK-RT0002").size() == 2);
}

TEST_CASE("a ticket resolved in RT with a reply polls as done, with the reply as a comment") {
  Connector rt(token_settings());
  RtStaff staff;
  const std::string id = rt.push(make_task("TSK-RT0003", "Round trip")).at("external_ref");
  // cxloop's own comment goes into RT but must not come back as the department's.
  rt.call("update", {{"task", {{"external_ref", id}}},
                     {"change", {{"comment", "Customers report it weekly."}}}});

  json polled = rt.poll({id});
  REQUIRE(polled.at("statuses").size() == 1);
  CHECK(polled["statuses"][0].at("status") == "open");
  CHECK_FALSE(polled["statuses"][0].contains("comments"));

  staff.post("/ticket/" + id + "/correspond", {{"Content", "The new mould is in production."},
                                               {"ContentType", "text/plain"},
                                               {"Status", "resolved"}});
  polled = rt.poll({id});
  const json status = polled.at("statuses").at(0);
  CHECK(status.at("external_ref") == id);
  CHECK(status.at("status") == "done");
  REQUIRE(status.at("comments").size() == 1);
  const json comment = status["comments"][0];
  CHECK(comment.at("author") == "root");
  CHECK(comment.at("body") == "The new mould is in production.");
  const auto replies = staff.transactions(id, "Correspond");
  REQUIRE(replies.size() == 1);
  CHECK(comment.at("id") == replies[0].at("id"));
  CHECK(comment.contains("at"));

  // Polling again gives the same comment with the same id, for the kernel to de-duplicate.
  CHECK(rt.poll({id}).at("statuses").at(0).at("comments") == status.at("comments"));
}

TEST_CASE("an HTML comment in RT comes back as plain text") {
  Connector rt(token_settings());
  RtStaff staff;
  const std::string id = rt.push(make_task("TSK-RT0015", "HTML reply")).at("external_ref");
  staff.post("/ticket/" + id + "/comment",
             {{"Content", "<p>Mould <b>B-77</b> retired &amp; scrapped.</p>"},
              {"ContentType", "text/html"}});
  const json comments = rt.poll({id}).at("statuses").at(0).at("comments");
  REQUIRE(comments.size() == 1);
  CHECK(comments[0].at("body") == "Mould B-77 retired & scrapped.");
}

TEST_CASE("an update comments on the ticket, moves its due date and changes its status") {
  Connector rt(token_settings());
  RtStaff staff;
  const std::string id = rt.push(make_task("TSK-RT0004", "Update me")).at("external_ref");
  const json task = {{"external_ref", id}};
  CHECK(rt.call("update", {{"task", task},
                           {"change",
                            {{"comment", "Please prioritise."},
                             {"due_at", "2026-12-05T17:30:00+01:00"},
                             {"status", "in_progress"}}}}) == json::object());
  json ticket = staff.get("/ticket/" + id);
  CHECK(ticket.at("Due") == "2026-12-05T16:30:00Z");
  CHECK(ticket.at("Status") == "open");
  const auto comments = staff.transactions(id, "Comment");
  REQUIRE(comments.size() == 1);
  CHECK(comments[0].at("Creator").at("id") == request_tracker().user);
  CHECK(staff.texts(id).back() == "Please prioritise.");

  rt.call("update", {{"task", task}, {"change", {{"status", "rejected"}}}});
  CHECK(staff.get("/ticket/" + id).at("Status") == "rejected");
}

TEST_CASE("an update carrying an idempotency key comments once when it is repeated") {
  Connector rt(token_settings());
  RtStaff staff;
  const std::string id = rt.push(make_task("TSK-RT0005", "Comment once")).at("external_ref");
  const json update = {{"task", {{"external_ref", id}}},
                       {"change", {{"comment", "Only once."}}},
                       {"idempotency_key", "update-TSK-RT0005-1"}};
  rt.call("update", update);
  rt.call("update", update);
  CHECK(staff.transactions(id, "Comment").size() == 1);
}

TEST_CASE("status_map in the settings overrides how RT's states read as task states") {
  Connector rt(token_settings({{"status_map", {{"new", "queued"}, {"stalled", "rejected"}}}}));
  RtStaff staff;
  const json pushed = rt.push(make_task("TSK-RT0006", "Custom mapping"));
  const std::string id = pushed.at("external_ref");
  CHECK(pushed.at("status") == "queued");
  staff.put("/ticket/" + id, {{"Status", "stalled"}});
  CHECK(rt.poll({id}).at("statuses").at(0).at("status") == "rejected");
  staff.put("/ticket/" + id, {{"Status", "open"}});  // not overridden: the default
  CHECK(rt.poll({id}).at("statuses").at(0).at("status") == "in_progress");
}

TEST_CASE("a department's connector settings choose its own queue") {
  Connector rt(token_settings());
  RtStaff staff;
  json task = make_task("TSK-RT0007", "Finance task");
  task["department"]["settings"] = {{"queue", request_tracker().department_queue}};
  const std::string id = rt.push(task).at("external_ref");
  CHECK(staff.ticket_ids(request_tracker().department_queue, "TSK-RT0007") ==
        std::vector<std::string>{id});
  CHECK(staff.ticket_ids(request_tracker().queue, "TSK-RT0007").empty());
}

TEST_CASE("a user name and password work as well as a token") {
  const auto& info = request_tracker();
  Connector rt(token_settings({{"auth", {{"username", info.user}, {"password", info.password}}}}));
  const std::string id = rt.push(make_task("TSK-RT0008", "Basic auth")).at("external_ref");
  CHECK(rt.poll({id}).at("statuses").at(0).at("status") == "open");
}

TEST_CASE("credentials RT refuses are FORBIDDEN, naming settings 'auth'") {
  const auto& info = request_tracker();
  for (const json& auth : {json{{"token", "1-99-0123456789abcdef"}},
                           json{{"username", info.user}, {"password", "wrong"}}}) {
    Connector rt(token_settings({{"auth", auth}}));
    const auto [status, message] = rt.failure("push", make_task("TSK-RT0009", "Refused"));
    CHECK(status == CXLOOP_ERR_FORBIDDEN);
    CHECK(contains(message, "settings 'auth'"));
    CHECK(contains(message, "HTTP 401"));
  }
  CHECK(RtStaff().ticket_ids(info.queue, "TSK-RT0009").empty());
}

TEST_CASE("a queue the connector's RT user cannot use is FORBIDDEN, naming RT's refusal") {
  Connector rt(token_settings({{"queue", "no-such-queue"}}));
  const auto [status, message] = rt.failure("push", make_task("TSK-RT0010", "Nowhere"));
  CHECK(status == CXLOOP_ERR_FORBIDDEN);
  CHECK(contains(message, "queue 'no-such-queue'"));
  CHECK(contains(message, "HTTP 403"));
}

TEST_CASE("RT that cannot be reached or answers 5xx is UNAVAILABLE, so the outbox retries") {
  {
    const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
    Connector rt(token_settings({{"url", url}, {"timeout_s", 5}}));
    const auto [status, message] = rt.failure("push", make_task("TSK-RT0011", "Down"));
    CHECK(status == CXLOOP_ERR_UNAVAILABLE);
    CHECK(contains(message, "Request Tracker at " + url + " could not be reached"));
    CHECK(rt.failure("poll", {{"refs", {"1"}}}).first == CXLOOP_ERR_UNAVAILABLE);
  }
  GatewayReceiver failing;
  failing.answer_with(503, R"({"message":"maintenance"})");
  Connector rt(token_settings({{"url", failing.url("")}}));
  const auto [status, message] = rt.failure("push", make_task("TSK-RT0012", "Failing"));
  CHECK(status == CXLOOP_ERR_UNAVAILABLE);
  CHECK(contains(message, "HTTP 503: maintenance"));
  REQUIRE(failing.requests().size() == 1);
  CHECK(failing.requests()[0].uri == "/REST/2.0/ticket");
}

TEST_CASE("a ticket that no longer exists is reported in the poll, the others still polled") {
  Connector rt(token_settings());
  const std::string id = rt.push(make_task("TSK-RT0013", "Still here")).at("external_ref");
  const json statuses = rt.poll({"999999", id, "PLANT-1"}).at("statuses");
  REQUIRE(statuses.size() == 3);
  CHECK(statuses[2].at("status_error") == "'PLANT-1' is not an RT ticket number");
  CHECK(statuses[0].at("external_ref") == "999999");
  CHECK_FALSE(statuses[0].contains("status"));
  CHECK(contains(statuses[0].at("status_error"), "RT ticket 999999 no longer exists"));
  CHECK(statuses[1].at("status") == "open");
  CHECK(rt.harness().logged("RT ticket 999999 no longer exists"));
  CHECK(counted(rt.harness(), "request_tracker_missing_tickets_total") == 1);
}

TEST_CASE("an update of a ticket RT does not have is NOT_FOUND; a bad change is INVALID") {
  Connector rt(token_settings());
  CHECK(rt.failure("update",
                   {{"task", {{"external_ref", "999999"}}}, {"change", {{"comment", "Anyone?"}}}})
            .first == CXLOOP_ERR_NOT_FOUND);
  const std::string id = rt.push(make_task("TSK-RT0014", "Bad changes")).at("external_ref");
  const auto [status, message] =
      rt.failure("update", {{"task", {{"external_ref", id}}}, {"change", {{"due_at", "soon"}}}});
  CHECK(status == CXLOOP_ERR_INVALID);
  CHECK(contains(message, "'change/due_at' must be an RFC 3339 date"));
  CHECK(rt.failure("update", {{"task", {{"external_ref", "TSK-1"}}}, {"change", json::object()}})
            .first == CXLOOP_ERR_INVALID);
}

TEST_CASE("the plugin itself refuses a status_map naming something that is not a task state") {
  // The server checks the manifest's schema first; a host that does not (the SDK harness)
  // still gets the plugin's own message naming the key.
  PluginHarness harness(CXLOOP_RT_PLUGIN_DIR);
  CHECK_THROWS_WITH(harness.create(token_settings({{"status_map", {{"stalled", "paused"}}}})),
                    Catch::Contains("settings 'status_map/stalled'") &&
                        Catch::Contains("'paused' is not a task state"));
}

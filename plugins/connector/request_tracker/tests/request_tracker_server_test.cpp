// The request_tracker connector inside the server, against a real Request Tracker 5 (the
// request_tracker fixture): a task created through the REST API reaches RT through the
// outbox, and the server's poll timer brings RT's answer back; the server checks the
// instance's settings against the manifest before the plugin sees them.
#include <catch2/catch.hpp>

#include <string>

#include "channel_server.hpp"
#include "test_request_tracker.hpp"

using cxloop::testing::ChannelServer;
using cxloop::testing::plugin_instance;
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

}  // namespace

TEST_CASE("a task routed to a department on RT comes back done, with RT's reply, by polling") {
  // The whole loop through the server: REST API -> outbox -> push -> RT ticket; the
  // department resolves it in RT with a reply; the server's poll timer brings both back.
  ChannelServer server(
      {plugin_instance("rt", "request_tracker", token_settings({{"poll_interval_s", 1}}))});
  RtStaff staff;
  const std::string admin =
      server.server()
          .domain()
          .tokens.create({{"name", "admin"}, {"role", "admin"}}, {"system", "system"})
          .at("secret");
  auto api = [&](const std::string& method, const std::string& path, const json& body) {
    auto result = cxloop::testing::http_request(
        server.port(), method, path, body.is_null() ? "" : body.dump(),
        {{"Authorization", "Bearer " + admin}, {"Content-Type", "application/json"}});
    INFO(method << " " << path << " -> " << result.status << " " << result.body);
    REQUIRE(result.status < 300);
    return result.json();
  };
  const json department =
      api("POST", "/api/v1/departments", {{"name", "Manufacturing"}, {"connector_instance", "rt"}});
  const json problem = api("POST", "/api/v1/problems",
                           {{"title", "Kettle lids crack"}, {"category", "product_quality"}});
  const std::string problem_path = "/api/v1/problems/" + problem.at("id").dump();
  api("POST", problem_path + "/transition", {{"state", "investigating"}});
  const json created = api("POST", problem_path + "/tasks",
                           {{"department_id", department.at("id")},
                            {"title", "Replace the lid mould"},
                            {"description", "Lids from the new mould crack."},
                            {"due_at", "2099-01-01"}});
  const std::string number = created.at("number");
  const std::string task_path = "/api/v1/tasks/" + number;

  json task;
  REQUIRE(cxloop::testing::wait_until(
      [&] {
        task = api("GET", task_path, nullptr);
        return task.at("status") == "open" && task.at("external_ref").is_string();
      },
      std::chrono::seconds(60)));
  const std::string id = task.at("external_ref");
  CHECK(task.at("external_url") == request_tracker().url + "/Ticket/Display.html?id=" + id);
  const json ticket = staff.get("/ticket/" + id);
  CHECK(ticket.at("Subject") == "Replace the lid mould [" + number + "]");
  CHECK(ticket.at("Due") == "2099-01-01T00:00:00Z");

  staff.post("/ticket/" + id + "/correspond", {{"Content", "New lid mould in use since today."},
                                               {"ContentType", "text/plain"},
                                               {"Status", "resolved"}});
  REQUIRE(cxloop::testing::wait_until(
      [&] { return api("GET", task_path, nullptr).at("status") == "done"; },
      std::chrono::seconds(60)));
  const json history = api("GET", task_path + "/history", nullptr);
  REQUIRE(history.at("comments").size() == 1);
  CHECK(history["comments"][0].at("body") == "New lid mould in use since today.");
  CHECK(history["comments"][0].at("author") == "root");
}

TEST_CASE("the server refuses a status_map naming something that is not a task state") {
  CHECK_THROWS_WITH(
      ChannelServer({plugin_instance("rt", "request_tracker",
                                     token_settings({{"status_map", {{"stalled", "paused"}}}}))}),
      Catch::Contains("/settings/status_map/stalled"));
}

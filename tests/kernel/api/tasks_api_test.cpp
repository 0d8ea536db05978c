// Department tasks and the admin outbox over HTTP, on SQLite and PostgreSQL.
#include <catch2/catch.hpp>

#include "api_fixture.hpp"
#include "repository/outbox.hpp"

using cxloop::testing::ApiFixture;
using cxloop::testing::test_backends;
using nlohmann::json;

namespace {

// An investigating problem; returns its path.
std::string investigating_problem(ApiFixture& api) {
  auto problem = api.post("/api/v1/problems", {{"title", "Invoices double-charged"}}, "agent");
  REQUIRE(problem.status == 201);
  std::string path = "/api/v1/problems/" + problem.json().at("number").get<std::string>();
  REQUIRE(api.post(path + "/transition", {{"state", "investigating"}}, "agent").status == 200);
  return path;
}

}  // namespace

TEST_CASE("tasks are created, listed and worked through the API, with errors naming the field",
          "[api][tasks]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  const std::string problem = investigating_problem(api);

  auto missing = api.post(problem + "/tasks", {{"title", "Refund"}}, "agent");
  CHECK(missing.status == 400);
  CHECK(missing.json().at("field") == "/department_id");
  auto unknown_field = api.post(problem + "/tasks",
                                {{"department_id", api.department_id()}, {"title", "x"}, {"owner", "me"}},
                                "agent");
  CHECK(unknown_field.status == 400);
  CHECK(api.post("/api/v1/problems/PRB-999999/tasks",
                 {{"department_id", api.department_id()}, {"title", "x"}}, "agent")
            .status == 404);

  const json body = {{"department_id", api.department_id()}, {"title", "Refund the second charge"}};
  auto created = api.post(problem + "/tasks", body, "agent", {{"Idempotency-Key", "task-1"}});
  REQUIRE(created.status == 201);
  auto again = api.post(problem + "/tasks", body, "agent", {{"Idempotency-Key", "task-1"}});
  CHECK(again.status == 201);
  CHECK(again.json().at("id") == created.json().at("id"));
  const std::string task = "/api/v1/tasks/" + created.json().at("number").get<std::string>();
  CHECK(created.json().at("status") == "queued");
  CHECK(created.header("etag") == "\"1\"");

  auto listed = api.get(problem + "/tasks", "agent").json();
  CHECK(listed.at("total") == 1);
  CHECK(api.get("/api/v1/tasks?status=queued", "agent").json().at("total") == 1);
  CHECK(api.get("/api/v1/tasks?status=closed", "agent").status == 400);

  auto stale = api.request("PATCH", task, "agent", json{{"title", "New"}}.dump(), {{"If-Match", "\"7\""}});
  CHECK(stale.status == 412);
  auto past = api.request("PATCH", task, "agent", json{{"due_at", "2001-01-01"}}.dump());
  CHECK(past.status == 400);
  CHECK(past.json().at("field") == "/due_at");

  // The department works its own task with its own token.
  CHECK(api.get("/api/v1/tasks", "department").json().at("total") == 1);
  auto started = api.post(task + "/transition", {{"state", "in_progress"}, {"note", "on it"}}, "department");
  REQUIRE(started.status == 200);
  CHECK(api.get(problem, "agent").json().at("state") == "fix_in_progress");
  CHECK(api.post(task + "/transition", {{"state", "finished"}}, "department").status == 400);
  CHECK(api.post(task + "/transition", {{"state", "queued"}}, "department").status == 409);
  CHECK(api.post(task + "/comments", {{"body", "Refund issued"}}, "department").status == 201);
  CHECK(api.post(task + "/comments", {{"text", "x"}}, "department").status == 400);
  auto history = api.get(task + "/history", "department").json();
  CHECK(history.at("history").size() == 2);
  CHECK(history.at("comments")[0].at("body") == "Refund issued");

  // Delivering the fix: agree the solution once every task is done.
  CHECK(api.post(problem + "/solution/agree", json::object(), "agent").status == 409);  // none yet
  REQUIRE(api.request("PUT", problem + "/solution", "agent",
                      json{{"type", "refund"}, {"summary", "Refund the duplicates"}}.dump())
              .status == 200);
  CHECK(api.post(problem + "/solution/agree", json::object(), "agent").json().at("state") ==
        "fix_in_progress");
  CHECK(api.post(task + "/transition", {{"state", "done"}}, "department").status == 200);
  CHECK(api.get(problem, "agent").json().at("state") == "fix_delivered");
}

TEST_CASE("a department token sees only its own department's tasks", "[api][tasks]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  const std::string problem = investigating_problem(api);
  auto other = api.post("/api/v1/departments", {{"name", "Shipping"}}, "admin").json();
  auto created = api.post(problem + "/tasks", {{"department_id", other.at("id")}, {"title", "Reship"}}, "agent");
  REQUIRE(created.status == 201);
  const std::string task = "/api/v1/tasks/" + std::to_string(created.json().at("id").get<int>());
  CHECK(api.get("/api/v1/tasks", "department").json().at("total") == 0);
  CHECK(api.get(task, "department").status == 404);
  CHECK(api.post(task + "/transition", {{"state", "done"}}, "department").status == 404);
  CHECK(api.get(task, "agent").status == 200);
  CHECK(api.request("PATCH", task, "department", json{{"title", "x"}}.dump()).status == 403);
}

TEST_CASE("the admin sees dead outbox items and puts them back to pending", "[api][outbox]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  auto& outbox = api.server().outbox();
  // A push to a connector instance that does not run: never attempted successfully.
  REQUIRE(outbox.enqueue("absent-connector", "push", R"({"id":1})", "test:dead"));
  auto item = outbox.list({"pending", "absent-connector", 0, 10});
  if (item.empty()) item = outbox.list({"", "absent-connector", 0, 10});
  REQUIRE(item.size() == 1);
  outbox.fail(item[0].id, "receiver refused the task with HTTP 422", true);

  auto dead = api.get("/api/v1/outbox?state=dead", "admin");
  REQUIRE(dead.status == 200);
  REQUIRE(dead.json().at("items").size() == 1);
  CHECK(dead.json().at("items")[0].at("last_error") == "receiver refused the task with HTTP 422");
  CHECK(dead.json().at("items")[0].at("payload").at("id") == 1);
  CHECK(api.get("/api/v1/outbox?state=lost", "admin").status == 400);
  CHECK(api.get("/api/v1/outbox?limit=0", "admin").status == 400);
  CHECK(api.get("/api/v1/outbox", "agent").status == 403);

  const std::string path = "/api/v1/outbox/" + std::to_string(item[0].id);
  auto retried = api.post(path + "/retry", json::object(), "admin");
  REQUIRE(retried.status == 200);
  CHECK(retried.json().at("attempts") == 0);
  CHECK(retried.json().at("state") != "dead");
  CHECK(api.post(path + "/retry", json::object(), "admin").status == 409);
  CHECK(api.post("/api/v1/outbox/999999/retry", json::object(), "admin").status == 404);
  CHECK(api.get("/api/v1/outbox/999999", "admin").status == 404);
}

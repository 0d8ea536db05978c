// Department tasks: POST/GET /api/v1/problems/{id}/tasks, /api/v1/tasks and a task's
// lifecycle, comments and history, plus agreeing a problem's solution (which, with every task
// done, delivers the fix). Department tokens see and work only their own department's tasks.
#include "api/routes.hpp"

#include "api/auth.hpp"
#include "api/domain_routes.hpp"
#include "api/idempotency.hpp"
#include "api/request_body.hpp"
#include "api/rest_support.hpp"
#include "http/api_error.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/problems.hpp"
#include "workflow/tasks.hpp"

namespace cxloop::api {

namespace {

std::int64_t task_id(const http::HttpRequest& request, const workflow::TaskService& tasks) {
  const std::string& text = request.params.at("id");
  if (text.rfind("TSK-", 0) == 0) return tasks.find_by_number(text).at("id").get<std::int64_t>();
  return path_id(request, "id");
}

// A department token may only reach its own department's tasks; to others they do not exist.
nlohmann::json visible_task(const http::HttpRequest& request, const Principal& who,
                            const workflow::TaskService& tasks) {
  nlohmann::json task = tasks.get(task_id(request, tasks));
  if (who.role == Role::department &&
      (!who.department_id || task.at("department_id").get<std::int64_t>() != *who.department_id)) {
    throw http::ApiError(404, "not-found",
                         "task " + request.params.at("id") + " does not exist for this department");
  }
  return task;
}

}  // namespace

void register_task_routes(ApiContext& context) {
  SecuredRoutes& routes = context.secured;
  IdempotencyStore& idempotency = context.idempotency;
  auto& tasks = context.domain.tasks;
  auto& problems = context.domain.problems;

  routes.add("POST", "/api/v1/problems/{id}/tasks", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return idempotency.run(who.actor(), request, [&] {
                 return json_response(201, tasks.create(problem_path_id(request, problems),
                                                        parse_object_body(request), actor_of(who)));
               });
             });
  routes.add("GET", "/api/v1/problems/{id}/tasks", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               std::int64_t id = problem_path_id(request, problems);
               problems.get(id);  // 404 for an unknown problem rather than an empty list
               nlohmann::json query = query_object(request);
               query["problem_id"] = std::to_string(id);
               return json_response(200, tasks.list(query).to_json());
             });
  routes.add("POST", "/api/v1/problems/{id}/solution/agree", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return json_response(
                   200, tasks.agree_solution(problem_path_id(request, problems), actor_of(who)));
             });
  routes.add("GET", "/api/v1/tasks", {Role::agent, Role::department},
             [&](http::HttpRequest& request, const Principal& who) {
               nlohmann::json query = query_object(request);
               if (who.role == Role::department) {
                 if (!who.department_id) {
                   throw http::ApiError(403, "forbidden",
                                        "this department token names no department; create a "
                                        "token with department_id");
                 }
                 query["department_id"] = std::to_string(*who.department_id);
               }
               return json_response(200, tasks.list(query).to_json());
             });
  routes.add("GET", "/api/v1/tasks/{id}", {Role::agent, Role::department},
             [&](http::HttpRequest& request, const Principal& who) {
               return json_response(200, visible_task(request, who, tasks));
             });
  routes.add("PATCH", "/api/v1/tasks/{id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               auto body = parse_object_body(request);
               return json_response(200, tasks.update(task_id(request, tasks), body,
                                                      if_match_revision(request), actor_of(who)));
             });
  routes.add("POST", "/api/v1/tasks/{id}/transition", {Role::agent, Role::department},
             [&](http::HttpRequest& request, const Principal& who) {
               nlohmann::json task = visible_task(request, who, tasks);
               auto transition = transition_request(request);
               return json_response(
                   200, tasks.transition(task.at("id").get<std::int64_t>(), transition.state,
                                         transition.note, if_match_revision(request),
                                         actor_of(who)));
             });
  routes.add("POST", "/api/v1/tasks/{id}/comments", {Role::agent, Role::department},
             [&](http::HttpRequest& request, const Principal& who) {
               nlohmann::json task = visible_task(request, who, tasks);
               auto body = parse_object_body(request);
               workflow::require_object(body, {"body"}, "comment");
               return json_response(201, tasks.add_comment(task.at("id").get<std::int64_t>(),
                                                           workflow::required_text(body, "body", 20000),
                                                           actor_of(who)));
             });
  routes.add("GET", "/api/v1/tasks/{id}/history", {Role::agent, Role::department},
             [&](http::HttpRequest& request, const Principal& who) {
               nlohmann::json task = visible_task(request, who, tasks);
               return json_response(200, tasks.history(task.at("id").get<std::int64_t>()));
             });
}

}  // namespace cxloop::api

// /api/v1/problems: root causes, the cases linked to them, their lifecycle and their reach.
#include "api/domain_routes.hpp"

#include "api/auth.hpp"
#include "api/idempotency.hpp"
#include "api/request_body.hpp"
#include "api/rest_support.hpp"
#include "http/api_error.hpp"
#include "repository/event_log.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/impact.hpp"
#include "workflow/problems.hpp"
#include "workflow/solutions.hpp"

namespace cxloop::api {

std::int64_t problem_path_id(const http::HttpRequest& request,
                             const workflow::ProblemService& problems) {
  const std::string& text = request.params.at("id");
  if (text.rfind("PRB-", 0) == 0) {
    return problems.find_by_number(text).at("id").get<std::int64_t>();
  }
  return path_id(request, "id");
}

namespace {

std::int64_t required_id(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    throw http::ApiError::bad_request(std::string("send '") + key + "' as a positive integer id",
                                      std::string("/") + key);
  }
  return it->get<std::int64_t>();
}

}  // namespace

void register_problem_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                             workflow::DomainServices& domain, repository::EventLog& event_log) {
  auto& problems = domain.problems;
  auto& solutions = domain.solutions;
  routes.add("POST", "/api/v1/problems", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return idempotency.run(who.actor(), request, [&] {
                 return json_response(201,
                                      problems.create(parse_object_body(request), actor_of(who)));
               });
             });
  routes.add("GET", "/api/v1/problems", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, problems.list(query_object(request)).to_json());
             });
  routes.add("GET", "/api/v1/problems/{id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, problems.get(problem_path_id(request, problems)));
             });
  routes.add("PATCH", "/api/v1/problems/{id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               auto body = parse_object_body(request);
               return json_response(200,
                                    problems.update(problem_path_id(request, problems), body,
                                                    if_match_revision(request), actor_of(who)));
             });
  routes.add("POST", "/api/v1/problems/{id}/transition", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               auto transition = transition_request(request);
               return json_response(
                   200, problems.transition(problem_path_id(request, problems), transition.state,
                                            if_match_revision(request), actor_of(who),
                                            transition.note));
             });
  routes.add("POST", "/api/v1/problems/{id}/cases", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               auto body = parse_object_body(request);
               workflow::require_object(body, {"case_id", "move"}, "case link");
               bool move = workflow::optional_bool(body, "move").value_or(false);
               auto result = problems.link_case(problem_path_id(request, problems),
                                                required_id(body, "case_id"), move, actor_of(who));
               return json_response(200, result);
             });
  routes.add("DELETE", "/api/v1/problems/{id}/cases/{case_id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return json_response(
                   200, problems.unlink_case(problem_path_id(request, problems),
                                             path_id(request, "case_id"), actor_of(who)));
             });
  routes.add("GET", "/api/v1/problems/{id}/impact", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, problems.impact(problem_path_id(request, problems)).to_json());
             });
  routes.add("GET", "/api/v1/problems/{id}/solution", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, solutions.get(problem_path_id(request, problems)));
             });
  routes.add("PUT", "/api/v1/problems/{id}/solution", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               auto body = parse_object_body(request);
               return json_response(200, solutions.put(problem_path_id(request, problems), body,
                                                       if_match_revision(request), actor_of(who)));
             });
  routes.add("GET", "/api/v1/problems/{id}/events", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               std::int64_t id = problem_path_id(request, problems);
               problems.get(id);  // 404 for an unknown problem rather than an empty list
               nlohmann::json items = nlohmann::json::array();
               for (const auto& event : event_log.for_subject(
                        "problem:" + std::to_string(id), query_integer(request, "after", 0), 500)) {
                 items.push_back({{"id", event.id},
                                  {"type", event.type},
                                  {"subject", event.subject},
                                  {"actor", event.actor},
                                  {"at", event.at},
                                  {"data", nlohmann::json::parse(event.data_json)}});
               }
               return json_response(200, nlohmann::json{{"items", items}});
             });
}

}  // namespace cxloop::api

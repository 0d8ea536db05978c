// /api/v1/cases: customer contacts, their threads and their lifecycle.
#include "api/domain_routes.hpp"

#include "api/auth.hpp"
#include "api/idempotency.hpp"
#include "api/request_body.hpp"
#include "api/rest_support.hpp"
#include "http/api_error.hpp"
#include "workflow/cases.hpp"
#include "workflow/domain_services.hpp"

namespace cxloop::api {

namespace {

// Cases are addressed by id or by their number ("CS-000123").
std::int64_t case_id(const http::HttpRequest& request, const workflow::CaseService& cases) {
  const std::string& text = request.params.at("id");
  if (text.rfind("CS-", 0) == 0) {
    return cases.find_by_number(text).at("id").get<std::int64_t>();
  }
  return path_id(request, "id");
}

}  // namespace

void register_case_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                          workflow::DomainServices& domain) {
  auto& cases = domain.cases;
  routes.add("POST", "/api/v1/cases", {Role::agent, Role::ingest},
             [&](http::HttpRequest& request, const Principal& who) {
               return idempotency.run(who.actor(), request, [&] {
                 auto body = parse_object_body(request);
                 if (!body.contains("channel")) body["channel"] = "api";
                 auto result = cases.intake(body, actor_of(who));
                 nlohmann::json record = result.at("case");
                 record["customer"] = result.at("customer");
                 record["duplicate"] = result.value("duplicate", false);
                 return json_response(record["duplicate"].get<bool>() ? 200 : 201, record);
               });
             });
  routes.add("GET", "/api/v1/cases", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, cases.list(query_object(request)).to_json());
             });
  routes.add("GET", "/api/v1/cases/{id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, cases.get(case_id(request, cases)));
             });
  routes.add("PATCH", "/api/v1/cases/{id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               auto body = parse_object_body(request);
               return json_response(200, cases.update(case_id(request, cases), body,
                                                      if_match_revision(request), actor_of(who)));
             });
  routes.add("POST", "/api/v1/cases/{id}/transition", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return json_response(
                   200, cases.transition(case_id(request, cases), transition_target(request),
                                         if_match_revision(request), actor_of(who)));
             });
  routes.add("GET", "/api/v1/cases/{id}/messages", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               std::int64_t after = query_integer(request, "after", 0);
               return json_response(
                   200, nlohmann::json{{"items", cases.messages(case_id(request, cases), after)}});
             });
  routes.add("POST", "/api/v1/cases/{id}/messages", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return idempotency.run(who.actor(), request, [&] {
                 auto body = parse_object_body(request);
                 if (!body.contains("direction")) body["direction"] = "outbound";
                 auto result = cases.append_message(case_id(request, cases), body, actor_of(who));
                 return json_response(result.value("duplicate", false) ? 200 : 201,
                                      result.at("message"));
               });
             });
  routes.add("GET", "/api/v1/cases/{id}/events", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               std::int64_t after = query_integer(request, "after", 0);
               return json_response(
                   200, nlohmann::json{{"items", cases.events(case_id(request, cases), after)}});
             });
}

}  // namespace cxloop::api

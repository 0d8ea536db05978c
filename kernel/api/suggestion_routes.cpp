// /api/v1/suggestions: what analytics plugins propose (new problems, cases to link), for
// agents to accept or dismiss.
#include "api/routes.hpp"

#include "api/auth.hpp"
#include "api/domain_routes.hpp"
#include "api/idempotency.hpp"
#include "api/request_body.hpp"
#include "api/rest_support.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/suggestions.hpp"

namespace cxloop::api {

namespace {

// Accept and dismiss take an optional body: no body means no overrides, no reason.
nlohmann::json optional_object_body(const http::HttpRequest& request) {
  if (request.body.empty()) return nlohmann::json::object();
  return parse_object_body(request);
}

}  // namespace

void register_suggestion_routes(ApiContext& context) {
  auto& suggestions = context.domain.suggestions;
  auto& idempotency = context.idempotency;
  context.secured.add("GET", "/api/v1/suggestions", {Role::agent},
                      [&](http::HttpRequest& request, const Principal&) {
                        return json_response(200,
                                             suggestions.list(query_object(request)).to_json());
                      });
  context.secured.add("GET", "/api/v1/suggestions/{id}", {Role::agent},
                      [&](http::HttpRequest& request, const Principal&) {
                        return json_response(200, suggestions.get(path_id(request, "id")));
                      });
  // Accepting creates a problem, so a retried request must not create a second one.
  context.secured.add("POST", "/api/v1/suggestions/{id}/accept", {Role::agent},
                      [&](http::HttpRequest& request, const Principal& who) {
                        return idempotency.run(who.actor(), request, [&] {
                          return json_response(
                              200,
                              suggestions.accept(path_id(request, "id"),
                                                 optional_object_body(request), actor_of(who)));
                        });
                      });
  context.secured.add("POST", "/api/v1/suggestions/{id}/dismiss", {Role::agent},
                      [&](http::HttpRequest& request, const Principal& who) {
                        return json_response(
                            200, suggestions.dismiss(path_id(request, "id"),
                                                     optional_object_body(request), actor_of(who)));
                      });
}

}  // namespace cxloop::api

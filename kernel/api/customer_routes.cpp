// /api/v1/customers: the people who contact the company and own its products.
#include "api/domain_routes.hpp"

#include "api/auth.hpp"
#include "api/idempotency.hpp"
#include "api/request_body.hpp"
#include "api/rest_support.hpp"
#include "workflow/customers.hpp"
#include "workflow/domain_services.hpp"

namespace cxloop::api {

void register_customer_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                              workflow::DomainServices& domain) {
  auto& customers = domain.customers;
  const std::set<Role> readers{Role::agent};

  routes.add("POST", "/api/v1/customers", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return idempotency.run(who.actor(), request, [&] {
                 auto body = parse_object_body(request);
                 return json_response(201, customers.create(body, actor_of(who)));
               });
             });
  routes.add("GET", "/api/v1/customers", readers,
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, customers.list(query_object(request)).to_json());
             });
  routes.add("GET", "/api/v1/customers/{id}", readers,
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, customers.get(path_id(request, "id")));
             });
  routes.add("PATCH", "/api/v1/customers/{id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               auto body = parse_object_body(request);
               return json_response(
                   200, customers.update(path_id(request, "id"), body, if_match_revision(request),
                                         actor_of(who)));
             });
}

}  // namespace cxloop::api

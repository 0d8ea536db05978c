// /api/v1/assets, /api/v1/articles and /api/v1/departments: the install base, the knowledge
// base and the departments that own fixes.
#include "api/domain_routes.hpp"

#include "api/auth.hpp"
#include "api/idempotency.hpp"
#include "api/request_body.hpp"
#include "api/rest_support.hpp"
#include "http/api_error.hpp"
#include "workflow/domain_services.hpp"

namespace cxloop::api {

void register_catalog_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                             workflow::DomainServices& domain) {
  auto& assets = domain.assets;
  auto& articles = domain.articles;
  auto& departments = domain.departments;

  // Install base.
  routes.add("POST", "/api/v1/assets", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return idempotency.run(who.actor(), request, [&] {
                 return json_response(201,
                                      assets.create(parse_object_body(request), actor_of(who)));
               });
             });
  routes.add("GET", "/api/v1/assets", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, assets.list(query_object(request)).to_json());
             });
  routes.add("GET", "/api/v1/customers/{id}/assets", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               std::int64_t id = path_id(request, "id");
               domain.customers.get(id);  // 404 for an unknown customer
               return json_response(200, nlohmann::json{{"items", assets.list_by_customer(id)}});
             });

  // Knowledge base.
  routes.add("POST", "/api/v1/articles", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return idempotency.run(who.actor(), request, [&] {
                 return json_response(201,
                                      articles.create(parse_object_body(request), actor_of(who)));
               });
             });
  routes.add("GET", "/api/v1/articles", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, articles.list(query_object(request)).to_json());
             });
  routes.add(
      "GET", "/api/v1/articles/search", {Role::agent},
      [&](http::HttpRequest& request, const Principal&) {
        auto text = request.query_param("q");
        if (!text || text->empty()) {
          throw http::ApiError::bad_request("send the words to look for as ?q=...", "/query/q");
        }
        int limit = static_cast<int>(query_integer(request, "limit", 20));
        if (limit < 1 || limit > 100) {
          throw http::ApiError::bad_request("limit must be between 1 and 100", "/query/limit");
        }
        bool unpublished = request.query_param("published").value_or("true") == "false";
        return json_response(200,
                             nlohmann::json{{"items", articles.search(*text, limit, unpublished)}});
      });
  routes.add("GET", "/api/v1/articles/{id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, articles.get(path_id(request, "id")));
             });
  routes.add("PATCH", "/api/v1/articles/{id}", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               auto body = parse_object_body(request);
               return json_response(
                   200, articles.update(path_id(request, "id"), body, if_match_revision(request),
                                        actor_of(who)));
             });
  routes.add("POST", "/api/v1/articles/{id}/publish", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return json_response(200,
                                    articles.publish(path_id(request, "id"), true, actor_of(who)));
             });
  routes.add("POST", "/api/v1/articles/{id}/unpublish", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return json_response(200,
                                    articles.publish(path_id(request, "id"), false, actor_of(who)));
             });

  // Departments: agents read them (to route problems); admins change them.
  routes.add(
      "POST", "/api/v1/departments", {}, [&](http::HttpRequest& request, const Principal& who) {
        return idempotency.run(who.actor(), request, [&] {
          return json_response(201, departments.create(parse_object_body(request), actor_of(who)));
        });
      });
  routes.add("GET", "/api/v1/departments", {Role::agent},
             [&](http::HttpRequest&, const Principal&) {
               return json_response(200, nlohmann::json{{"items", departments.list()}});
             });
  routes.add("GET", "/api/v1/departments/{id}", {Role::agent, Role::department},
             [&](http::HttpRequest& request, const Principal& who) {
               std::int64_t id = path_id(request, "id");
               if (who.role == Role::department && who.department_id != id) {
                 throw http::ApiError(403, "forbidden",
                                      "a department token may only read its own department");
               }
               return json_response(200, departments.get(id));
             });
  routes.add("PATCH", "/api/v1/departments/{id}", {},
             [&](http::HttpRequest& request, const Principal& who) {
               auto body = parse_object_body(request);
               return json_response(
                   200, departments.update(path_id(request, "id"), body, if_match_revision(request),
                                           actor_of(who)));
             });
  routes.add("DELETE", "/api/v1/departments/{id}", {},
             [&](http::HttpRequest& request, const Principal& who) {
               departments.remove(path_id(request, "id"), actor_of(who));
               return http::HttpResponse::empty(204);
             });
}

void register_token_routes(SecuredRoutes& routes, Authenticator& authenticator,
                           workflow::DomainServices& domain) {
  auto& tokens = domain.tokens;
  // Admin only: the secret is in the creation answer and nowhere else, ever.
  routes.add("POST", "/api/v1/tokens", {}, [&](http::HttpRequest& request, const Principal& who) {
    auto result = tokens.create(parse_object_body(request), actor_of(who));
    nlohmann::json record = result.at("token");
    record["secret"] = result.at("secret");
    auto response = json_response(201, record);
    response.headers["cache-control"] = "no-store";
    return response;
  });
  routes.add("GET", "/api/v1/tokens", {}, [&](http::HttpRequest&, const Principal&) {
    return json_response(200, nlohmann::json{{"items", tokens.list()}});
  });
  routes.add("GET", "/api/v1/tokens/{id}", {}, [&](http::HttpRequest& request, const Principal&) {
    return json_response(200, tokens.get(path_id(request, "id")));
  });
  routes.add("DELETE", "/api/v1/tokens/{id}", {},
             [&](http::HttpRequest& request, const Principal& who) {
               auto record = tokens.revoke(path_id(request, "id"), actor_of(who));
               authenticator.forget();
               return json_response(200, record);
             });
  // Who am I: lets a console or script check its token and role.
  routes.add("GET", "/api/v1/me", {Role::agent, Role::department, Role::ingest},
             [](http::HttpRequest&, const Principal& who) {
               nlohmann::json me{{"token_id", who.token_id},
                                 {"name", who.name},
                                 {"role", to_string(who.role)},
                                 {"department_id", nullptr}};
               if (who.department_id) me["department_id"] = *who.department_id;
               return json_response(200, me);
             });
}

void register_domain_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                            Authenticator& authenticator, workflow::DomainServices& domain,
                            repository::EventLog& event_log) {
  register_customer_routes(routes, idempotency, domain);
  register_case_routes(routes, idempotency, domain);
  register_problem_routes(routes, idempotency, domain, event_log);
  register_catalog_routes(routes, idempotency, domain);
  register_token_routes(routes, authenticator, domain);
  register_import_routes(routes, domain);
}

}  // namespace cxloop::api

// Registration of the business REST routes, one function per resource. Each handler parses
// the request, calls one workflow service, and answers its record: rules live in workflow/.
#pragma once

#include <cstdint>

#include "workflow/operation_table.hpp"

namespace cxloop::workflow {
struct DomainServices;
class CustomerService;
class CaseService;
class ProblemService;
}  // namespace cxloop::workflow

namespace cxloop::http {
struct HttpRequest;
}

namespace cxloop::repository {
class EventLog;
}

namespace cxloop::api {

class SecuredRoutes;
class IdempotencyStore;
class Authenticator;
struct Principal;

// The {id} path parameter of a problem route: a numeric id or a number ("PRB-000045").
std::int64_t problem_path_id(const http::HttpRequest& request,
                             const workflow::ProblemService& problems);

// The workflow actor for a request's principal: "token:<id>" with the token's role.
workflow::Actor actor_of(const Principal& principal);

// Every business route: customers, assets, cases, problems (with solutions), articles,
// departments, tokens, and the bulk imports.
void register_domain_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                            Authenticator& authenticator, workflow::DomainServices& domain,
                            repository::EventLog& event_log);

void register_customer_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                              workflow::DomainServices& domain);
void register_case_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                          workflow::DomainServices& domain);
void register_problem_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                             workflow::DomainServices& domain, repository::EventLog& event_log);
void register_catalog_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                             workflow::DomainServices& domain);
void register_token_routes(SecuredRoutes& routes, Authenticator& authenticator,
                           workflow::DomainServices& domain);
void register_import_routes(SecuredRoutes& routes, workflow::DomainServices& domain);

}  // namespace cxloop::api

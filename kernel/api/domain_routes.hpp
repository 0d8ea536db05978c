// Registration of the business REST routes, one function per resource. Each handler parses
// the request, calls one workflow service, and answers its record: rules live in workflow/.
#pragma once

#include "workflow/operation_table.hpp"

namespace cxloop::workflow {
class CustomerService;
class CaseService;
class ProblemService;
}  // namespace cxloop::workflow

namespace cxloop::api {

class SecuredRoutes;
class IdempotencyStore;
struct Principal;

// The workflow actor for a request's principal: "token:<id>" with the token's role.
workflow::Actor actor_of(const Principal& principal);

void register_customer_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                              workflow::CustomerService& customers);
void register_case_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                          workflow::CaseService& cases);
void register_problem_routes(SecuredRoutes& routes, IdempotencyStore& idempotency,
                             workflow::ProblemService& problems);

}  // namespace cxloop::api

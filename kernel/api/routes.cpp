#include "api/routes.hpp"

#include "api/domain_routes.hpp"
#include "api/openapi.hpp"

namespace cxloop::api {

void register_routes(ApiContext& context) {
  register_ops_routes(context);
  register_openapi_route(context.router);
  register_domain_routes(context.secured, context.idempotency, context.authenticator,
                         context.domain, context.event_log);
  register_suggestion_routes(context);
  register_analytics_routes(context);
  register_task_routes(context);
  register_connector_routes(context);
  register_campaign_routes(context);
}

}  // namespace cxloop::api

// The kernel's REST surface in one place: register_routes() adds every kernel route to the
// router. ApiContext is what route handlers may reach; new route groups take what they need
// from it (add members here rather than reaching into the Server).
#pragma once

namespace cxloop {
namespace config {
struct Config;
}
namespace repository {
class Database;
class Outbox;
class EventLog;
}  // namespace repository
namespace http {
class Router;
}
namespace metrics {
class Registry;
}
namespace plugin_host {
class PluginHost;
}
namespace events {
class EventBus;
}
namespace workflow {
class OperationTable;
struct DomainServices;
}  // namespace workflow
}  // namespace cxloop

namespace cxloop::api {

class SecuredRoutes;
class IdempotencyStore;
class Authenticator;

struct ApiContext {
  const config::Config& config;
  repository::Database& db;
  http::Router& router;
  metrics::Registry& metrics;
  plugin_host::PluginHost& plugins;
  events::EventBus& events;
  repository::Outbox& outbox;
  repository::EventLog& event_log;
  workflow::OperationTable& operations;
  workflow::DomainServices& domain;
  SecuredRoutes& secured;  // routes behind a bearer token and a role check
  IdempotencyStore& idempotency;
  Authenticator& authenticator;
};

// Registers every kernel route. Called once at start-up, before plugins add theirs.
void register_routes(ApiContext& context);

// Operations routes: GET /healthz, /readyz, /metrics and /api/v1/plugins, plus the scrape-time
// gauges for plugin states, event bus depth and outbox counts (ops_routes.cpp).
void register_ops_routes(ApiContext& context);

// Analytics plugins' suggestions, listed, accepted and dismissed by agents
// (suggestion_routes.cpp).
void register_suggestion_routes(ApiContext& context);

// GET /api/v1/analytics/summary and the same figures as /metrics gauges
// (analytics_routes.cpp).
void register_analytics_routes(ApiContext& context);

// Department tasks, their lifecycle and agreeing a problem's solution (task_routes.cpp).
void register_task_routes(ApiContext& context);

// Connector callbacks under /hooks/connectors/<instance> and the admin outbox view with
// retry of dead items (connector_routes.cpp).
void register_connector_routes(ApiContext& context);

// Campaigns, notifications and the public acknowledge/unsubscribe links
// (campaign_routes.cpp).
void register_campaign_routes(ApiContext& context);

}  // namespace cxloop::api

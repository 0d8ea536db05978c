// The composition root: builds every kernel component from the config, in dependency order,
// and tears them down in reverse. cxloopd and in-process tests both run the kernel through it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace cxloop {
namespace repository {
class Database;
class KvStore;
class Outbox;
class EventLog;
}  // namespace repository
namespace events {
class EventBus;
}
namespace metrics {
class Registry;
}
namespace http {
class Router;
class HttpServer;
}  // namespace http
namespace workflow {
class OperationTable;
class MessageTemplates;
struct WorkflowContext;
struct DomainServices;
}  // namespace workflow
namespace api {
class Authenticator;
class SecuredRoutes;
class IdempotencyStore;
}  // namespace api
namespace plugin_host {
class PluginHost;
class OutboxDispatcher;
}  // namespace plugin_host
}  // namespace cxloop

namespace cxloop::app {

class TimerThread;

class Server {
 public:
  explicit Server(config::Config config);
  ~Server();  // stops what start() started
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Logging, database and migrations, event bus, repository services, kernel routes, plugins,
  // outbox dispatcher, then HTTP. Throws (and leaves nothing running) when any step fails,
  // e.g. plugin_host::PluginLoadError for a required plugin.
  void start();
  // The bound HTTP port (the ephemeral one for port 0).
  std::uint16_t port() const;
  // Stops accepting and drains HTTP, stops the dispatcher, drains the event bus, destroys
  // plugin instances, closes the database. Safe to call twice.
  void stop();
  // Started, not stopping, the database answers and every required plugin runs.
  bool ready() const;

  const config::Config& config() const { return config_; }
  repository::Database& database() { return *db_; }
  events::EventBus& events() { return *events_; }
  repository::KvStore& kv() { return *kv_; }
  repository::Outbox& outbox() { return *outbox_; }
  repository::EventLog& event_log() { return *event_log_; }
  metrics::Registry& metrics() { return *metrics_; }
  http::Router& router() { return *router_; }
  workflow::OperationTable& operations() { return *operations_; }
  plugin_host::PluginHost& plugins() { return *plugins_; }
  workflow::DomainServices& domain() { return *domain_; }
  api::SecuredRoutes& secured_routes() { return *secured_; }

  // Where plugins are looked for: plugins.directories from the config, else the
  // colon-separated CXLOOP_PLUGIN_PATH, else the installed default.
  static std::vector<std::string> plugin_directories(const config::Config& config);

 private:
  config::Config config_;
  std::atomic<bool> running_{false};
  bool stopped_ = false;
  std::unique_ptr<repository::Database> db_;
  std::unique_ptr<events::EventBus> events_;
  std::unique_ptr<repository::KvStore> kv_;
  std::unique_ptr<repository::Outbox> outbox_;
  std::unique_ptr<repository::EventLog> event_log_;
  std::unique_ptr<metrics::Registry> metrics_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<workflow::OperationTable> operations_;
  std::unique_ptr<workflow::WorkflowContext> workflow_context_;
  std::unique_ptr<workflow::MessageTemplates> templates_;
  std::unique_ptr<workflow::DomainServices> domain_;
  std::unique_ptr<api::Authenticator> authenticator_;
  std::unique_ptr<api::SecuredRoutes> secured_;
  std::unique_ptr<api::IdempotencyStore> idempotency_;
  std::unique_ptr<plugin_host::PluginHost> plugins_;
  std::unique_ptr<plugin_host::OutboxDispatcher> dispatcher_;
  std::unique_ptr<TimerThread> timers_;
  std::unique_ptr<http::HttpServer> http_;
};

}  // namespace cxloop::app

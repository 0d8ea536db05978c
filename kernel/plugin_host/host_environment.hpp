// The kernel objects the plugin host hands to plugin instances through the host API.
// All of them outlive the PluginHost.
#pragma once

namespace cxloop {
namespace metrics {
class Registry;
}
namespace events {
class EventBus;
}
namespace repository {
class KvStore;
class Outbox;
}  // namespace repository
namespace workflow {
class OperationTable;
}
namespace http {
class Router;
}
}  // namespace cxloop

namespace cxloop::plugin_host {

struct HostEnvironment {
  metrics::Registry& metrics;
  events::EventBus& events;
  repository::KvStore& kv;
  repository::Outbox& outbox;
  workflow::OperationTable& operations;
  http::Router& router;
};

}  // namespace cxloop::plugin_host

// What the kernel does with the outcome of outbox work, in one place: a connector's answer to
// a push becomes the task's external reference, a notifier's answer marks the notification
// sent (and resolves the customer's cases), dead items are recorded where people look (the
// task, the notification, the reply on the case thread). Also the gate that holds back the
// items of paused campaigns and spreads notifications to the configured rate per notifier.
#pragma once

#include <map>
#include <string>

namespace cxloop {
namespace plugin_host {
class OutboxDispatcher;
}
namespace workflow {
struct DomainServices;
}
}  // namespace cxloop

namespace cxloop::app {

void wire_outbox_outcomes(plugin_host::OutboxDispatcher& dispatcher, workflow::DomainServices& domain,
                          const std::map<std::string, double>& rate_limits);

}  // namespace cxloop::app

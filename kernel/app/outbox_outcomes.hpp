// What the kernel does with the outcome of outbox work, in one place: a connector's answer to
// a push becomes the task's external reference, a notifier's answer marks the notification
// sent (and resolves the customer's cases), dead items are recorded where people look (the
// task, the notification, the reply on the case thread). Also the gate that holds back the
// items of paused campaigns and spreads notifications to the configured rate per notifier.
#pragma once

#include <cstdint>
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

namespace cxloop::repository {
class Outbox;
}

namespace cxloop::app {

// At start-up: takes back the outbox items a crashed earlier run of this node still held
// (claimed under the same configured node name, or under "<this host>:<pid>" of a process
// that no longer exists), so they go out now instead of when their lease expires. Claims of
// other live nodes are left alone. Returns how many items were released.
std::int64_t release_orphaned_claims(repository::Outbox& outbox, const std::string& node_name);

void wire_outbox_outcomes(plugin_host::OutboxDispatcher& dispatcher, workflow::DomainServices& domain,
                          const std::map<std::string, double>& rate_limits);

}  // namespace cxloop::app

// Which running channel plugin instances deliver agents' replies (and which notifiers reach
// customers for campaigns), read from their manifests'
// capabilities ("deliver", and "reply_to:email" / "reply_to:phone" for channels that reach
// any customer by address). The server hands the result to the workflow services, which
// route each outbound message (docs/host-operations.md, "Replies to customers").
#pragma once

#include <vector>

#include "plugin_host/plugin_host.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::plugin_host {

// In load (config) order; only instances that are running.
std::vector<workflow::ReplyChannel> reply_channels(const std::vector<PluginStatus>& statuses);

// The running notifier instances campaigns can use, from their capabilities
// ("medium:<name>", "broadcast", "batch"); in load order.
std::vector<workflow::NotifierChannel> notifier_channels(const std::vector<PluginStatus>& statuses);

}  // namespace cxloop::plugin_host

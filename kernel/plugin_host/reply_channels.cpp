#include "plugin_host/reply_channels.hpp"

#include <algorithm>

namespace cxloop::plugin_host {

std::vector<workflow::ReplyChannel> reply_channels(const std::vector<PluginStatus>& statuses) {
  std::vector<workflow::ReplyChannel> out;
  for (const auto& status : statuses) {
    if (status.kind != "channel" || status.state != "running") continue;
    const auto& caps = status.capabilities;
    if (std::find(caps.begin(), caps.end(), "deliver") == caps.end()) continue;
    workflow::ReplyChannel channel{status.instance, ""};
    for (const char* address : {"email", "phone"}) {
      if (std::find(caps.begin(), caps.end(), std::string("reply_to:") + address) != caps.end()) {
        channel.address = address;
        break;
      }
    }
    out.push_back(channel);
  }
  return out;
}

std::vector<workflow::NotifierChannel> notifier_channels(const std::vector<PluginStatus>& statuses) {
  std::vector<workflow::NotifierChannel> out;
  for (const auto& status : statuses) {
    if (status.kind != "notifier" || status.state != "running") continue;
    workflow::NotifierChannel channel;
    channel.instance = status.instance;
    for (const auto& capability : status.capabilities) {
      if (capability.rfind("medium:", 0) == 0) channel.medium = capability.substr(7);
      if (capability == "broadcast") channel.broadcast = true;
      if (capability == "batch") channel.batch = true;
    }
    out.push_back(channel);
  }
  return out;
}

}  // namespace cxloop::plugin_host

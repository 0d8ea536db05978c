// The channel probe: replies are "delivered" by recording them in the kv store.
#include "probe.hpp"

namespace {

class ProbeChannel : public probe::Probe<cxloop::sdk::ChannelPlugin> {
 public:
  using Probe::Probe;
  probe::json deliver(const probe::json& message) override {
    host().kv_put("delivered", message.dump());
    return {{"external_ref", "reply-1"}};
  }
};

}  // namespace

CXLOOP_PLUGIN(ProbeChannel, "probe_channel", "channel", "0.3.1")

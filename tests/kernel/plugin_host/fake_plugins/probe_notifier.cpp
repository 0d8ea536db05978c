// The notifier probe: "sends" a notification by storing it under its idempotency key.
#include "probe.hpp"

namespace {

class ProbeNotifier : public probe::Probe<cxloop::sdk::NotifierPlugin> {
 public:
  using Probe::Probe;
  probe::json send(const probe::json& notification) override {
    host().kv_put("sent:" + notification.value("idempotency_key", std::string("none")),
                  notification.dump());
    return {{"state", "sent"}};
  }
};

}  // namespace

CXLOOP_PLUGIN(ProbeNotifier, "probe_notifier", "notifier", "0.3.1")

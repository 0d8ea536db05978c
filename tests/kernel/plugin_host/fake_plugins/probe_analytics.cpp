// The analytics probe: proposes nothing, but answers match() with the case it was given.
#include "probe.hpp"

namespace {

class ProbeAnalytics : public probe::Probe<cxloop::sdk::AnalyticsPlugin> {
 public:
  using Probe::Probe;
  probe::json match(const probe::json& request) override {
    return {{"proposals", probe::json::array()}, {"seen", request.value("case", probe::json())}};
  }
};

}  // namespace

CXLOOP_PLUGIN(ProbeAnalytics, "probe_analytics", "analytics", "0.3.1")

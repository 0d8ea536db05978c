// The connector probe: tasks are "pushed" into the kv store under their external reference.
#include "probe.hpp"

namespace {

class ProbeConnector : public probe::Probe<cxloop::sdk::ConnectorPlugin> {
 public:
  using Probe::Probe;
  probe::json push(const probe::json& task) override {
    const std::string ref = "EXT-" + task.at("id").dump();
    host().kv_put("task:" + ref, task.dump());
    return {{"external_ref", ref}};
  }
  probe::json poll(const std::vector<std::string>& refs) override {
    probe::json statuses = probe::json::array();
    for (const auto& ref : refs) {
      if (host().kv_get("task:" + ref))
        statuses.push_back({{"external_ref", ref}, {"status", "open"}});
    }
    return statuses;
  }
};

}  // namespace

CXLOOP_PLUGIN(ProbeConnector, "probe_connector", "connector", "0.3.1")

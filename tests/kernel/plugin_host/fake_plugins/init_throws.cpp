// A connector whose constructor rejects its settings, as a real one does when a required
// endpoint is missing: the host must report stage init with this message.
#include <cxloop/sdk.hpp>

namespace {

class InitThrows : public cxloop::sdk::ConnectorPlugin {
 public:
  explicit InitThrows(cxloop::sdk::Host host) : ConnectorPlugin(host) {
    throw cxloop::sdk::Error(CXLOOP_ERR_INVALID,
                             "settings.endpoint is required: set it to the ticket system's URL");
  }
  cxloop::sdk::json push(const cxloop::sdk::json&) override { return {}; }
};

}  // namespace

CXLOOP_PLUGIN(InitThrows, "init_throws", "connector", "1.0.0")

// The cxloop C++ plugin SDK: include this one header, derive from the base class of your
// plugin's kind, and register the class with CXLOOP_PLUGIN. See docs/sdk.md.
//
//   class MyConnector : public cxloop::sdk::ConnectorPlugin {
//    public:
//     explicit MyConnector(cxloop::sdk::Host host) : ConnectorPlugin(host) {}
//     cxloop::sdk::json push(const cxloop::sdk::json& task) override { ... }
//   };
//   CXLOOP_PLUGIN(MyConnector, "my_connector", "connector", "1.0.0")
#pragma once

#include "cxloop/plugin_api.h"
#include "cxloop/sdk/entry.hpp"
#include "cxloop/sdk/error.hpp"
#include "cxloop/sdk/host.hpp"
#include "cxloop/sdk/http.hpp"
#include "cxloop/sdk/kinds.hpp"
#include "cxloop/sdk/plugin.hpp"
#include "cxloop/sdk/status_map.hpp"

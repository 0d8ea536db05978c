// The behaviour shared by the four probe plugins (one per kind): at construction it uses every
// host service and records the outcomes in its kv store, where the tests read them back.
//   config      -> greeting_ (served by GET /plugins/<instance>/greeting)
//   call        -> kv "call_result" (test.echo) and "missing_call_status" (an unknown op)
//   metric, log -> cxloop_plugin_probe_started_total{instance=...}
//   subscribe   -> events "test.*" stored in kv "last_event"
//   routes      -> GET /greeting, public POST /inbound (enqueues "probe.record" to itself)
//   invoke      -> probe.record (kv "recorded"), probe.* failures of each sort
#pragma once

#include <stdexcept>
#include <string>

#include <cxloop/sdk.hpp>

namespace probe {

using cxloop::sdk::Error;
using cxloop::sdk::HostError;
using cxloop::sdk::HttpRequest;
using cxloop::sdk::json;
using cxloop::sdk::Response;

template <class Kind>
class Probe : public Kind {
 public:
  explicit Probe(cxloop::sdk::Host host) : Kind(host) {
    const json settings = host.config();
    greeting_ = settings.at("greeting").template get<std::string>();
    host.info("probe starting with greeting " + greeting_);
    host.counter_add("probe_started_total", 1.0, {{"kind", Kind::kind_name}});

    const json echoed = host.call("test.echo", {{"from", Kind::kind_name}});
    host.kv_put("call_result", echoed.dump());
    try {
      host.call("test.missing");
    } catch (const HostError& e) {
      host.kv_put("missing_call_status", cxloop::sdk::status_name(e.status()));
    }

    host.subscribe("test.*");
    host.register_route("GET", "/greeting");
    host.register_route("POST", "/inbound", true);
  }

  void on_event(const json& event) override { this->host().kv_put("last_event", event.dump()); }

  Response handle_http(const HttpRequest& request) override {
    if (request.method == "GET") {
      return Response::json(200, {{"greeting", greeting_}, {"kind", Kind::kind_name}});
    }
    const json body = request.json_body();
    this->host().enqueue("probe.record", body, request.header("idempotency-key").value_or(""));
    return Response::json(202, {{"queued", true}});
  }

  json invoke(const std::string& operation, const json& request) override {
    if (operation == "probe.record") {
      this->host().kv_put("recorded", request.dump());
      return {{"recorded", true}};
    }
    if (operation == "probe.kv_remove") {
      return {{"removed", this->host().kv_remove(request.at("key").template get<std::string>())}};
    }
    if (operation == "probe.throw_std") throw std::runtime_error("probe failure on purpose");
    if (operation == "probe.throw_other") throw 42;
    if (operation == "probe.unavailable") throw Error(CXLOOP_ERR_UNAVAILABLE, "downstream is down");
    if (operation == "probe.invalid") throw Error(CXLOOP_ERR_INVALID, "field x is malformed");
    return Kind::invoke(operation, request);
  }

 private:
  std::string greeting_;
};

}  // namespace probe

// GET /healthz, /readyz, /metrics and /api/v1/plugins: what operators and load balancers ask.
// They carry no bearer token: probes and Prometheus scrapers run inside the operator's
// network, and none of them reveals business data.
#include <string>

#include <nlohmann/json.hpp>

#include "api/routes.hpp"

#include "api/auth.hpp"
#include "events/event_bus.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/plugin_host.hpp"
#include "repository/database.hpp"
#include "repository/outbox.hpp"

namespace cxloop::api {

namespace {

using GaugeRows = std::vector<std::pair<metrics::Labels, double>>;

nlohmann::json status_json(const plugin_host::PluginStatus& s) {
  return {{"instance", s.instance}, {"plugin", s.plugin},    {"kind", s.kind},
          {"version", s.version},   {"state", s.state},      {"stage", s.stage},
          {"error", s.error},       {"required", s.required}};
}

void register_gauges(ApiContext& c) {
  plugin_host::PluginHost& plugins = c.plugins;
  events::EventBus& bus = c.events;
  repository::Outbox& outbox = c.outbox;
  c.metrics.gauge_callback(
      "cxloop_plugin_state", "1 for each plugin instance in the state named by the label",
      [&plugins] {
        GaugeRows rows;
        for (const auto& s : plugins.statuses()) {
          rows.push_back(
              {{{"instance", s.instance}, {"plugin", s.plugin}, {"state", s.state}}, 1.0});
        }
        return rows;
      });
  c.metrics.gauge_callback("cxloop_event_bus_queued", "Events waiting for delivery", [&bus] {
    return GaugeRows{{{}, static_cast<double>(bus.queued())}};
  });
  c.metrics.gauge_callback("cxloop_event_bus_failures_total",
                           "Subscriber callbacks that threw, since start", [&bus] {
                             return GaugeRows{{{}, static_cast<double>(bus.failed())}};
                           });
  c.metrics.gauge_callback("cxloop_outbox_items", "Outbox items by state", [&outbox] {
    GaugeRows rows;
    for (const auto& [state, count] : outbox.counts()) {
      rows.push_back({{{"state", state}}, static_cast<double>(count)});
    }
    return rows;
  });
}

}  // namespace

void register_ops_routes(ApiContext& c) {
  register_gauges(c);

  // Liveness: answering at all is the signal.
  c.router.add("GET", "/healthz", [](http::HttpRequest&) {
    return http::HttpResponse::json(200, R"({"status":"ok"})");
  });

  repository::Database& db = c.db;
  plugin_host::PluginHost& plugins = c.plugins;
  c.router.add("GET", "/readyz", [&db, &plugins](http::HttpRequest&) {
    const bool database = db.ping();
    const bool required_plugins = plugins.required_up();
    nlohmann::json body = {
        {"status", database && required_plugins ? "ready" : "not_ready"},
        {"checks",
         {{"database", database ? "ok" : "failing: the database does not answer a ping"},
          {"plugins", required_plugins ? "ok"
                                       : "failing: a required plugin instance is not running; see "
                                         "GET /api/v1/plugins"}}}};
    return http::HttpResponse::json(database && required_plugins ? 200 : 503, body.dump());
  });

  metrics::Registry& registry = c.metrics;
  c.router.add("GET", "/metrics", [&registry](http::HttpRequest&) {
    return http::HttpResponse::text(200, registry.render(), "text/plain; version=0.0.4");
  });

  // Admins only: load errors can name paths and settings.
  c.secured.add("GET", "/api/v1/plugins", {}, [&plugins](http::HttpRequest&, const Principal&) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& s : plugins.statuses()) items.push_back(status_json(s));
    return http::HttpResponse::json(200, nlohmann::json{{"items", items}}.dump());
  });
}

}  // namespace cxloop::api

// GET /api/v1/analytics/summary, and the same figures for Prometheus as /metrics gauges.
#include <chrono>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "api/routes.hpp"

#include "api/auth.hpp"
#include "api/rest_support.hpp"
#include "metrics/metrics.hpp"
#include "workflow/analytics_summary.hpp"
#include "workflow/domain_services.hpp"

namespace cxloop::api {

namespace {

using GaugeRows = std::vector<std::pair<metrics::Labels, double>>;

// One scrape reads several gauges; the summary behind them is computed once per scrape
// (and at most every few seconds), not once per gauge.
class SummaryCache {
 public:
  explicit SummaryCache(const workflow::AnalyticsSummary& summary) : summary_source_(summary) {}

  nlohmann::json get() {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (summary_.is_null() || now - computed_ > std::chrono::seconds(5)) {
      summary_ = summary_source_.compute(nlohmann::json::object());
      computed_ = now;
    }
    return summary_;
  }

 private:
  const workflow::AnalyticsSummary& summary_source_;
  std::mutex mutex_;
  nlohmann::json summary_;
  std::chrono::steady_clock::time_point computed_;
};

GaugeRows by_key(const nlohmann::json& counts, const std::string& label) {
  GaugeRows rows;
  for (const auto& [key, value] : counts.items()) {
    rows.push_back({{{label, key}}, value.get<double>()});
  }
  return rows;
}

void register_summary_gauges(metrics::Registry& registry,
                             const std::shared_ptr<SummaryCache>& cache) {
  registry.gauge_callback(
      "cxloop_contacts_30d_by_channel", "Cases opened in the last 30 days, by channel",
      [cache] { return by_key(cache->get()["contacts"]["by_channel"], "channel"); });
  registry.gauge_callback(
      "cxloop_contacts_30d_by_category", "Cases opened in the last 30 days, by category",
      [cache] { return by_key(cache->get()["contacts"]["by_category"], "category"); });
  registry.gauge_callback(
      "cxloop_open_problems_by_state", "Problems neither verified nor closed, by state",
      [cache] { return by_key(cache->get()["open_problems"]["by_state"], "state"); });
  registry.gauge_callback(
      "cxloop_open_problems_by_department", "Problems neither verified nor closed, by department",
      [cache] {
        GaugeRows rows;
        for (const auto& entry : cache->get()["open_problems"]["by_department"]) {
          const auto& name = entry["department"];
          rows.push_back({{{"department", name.is_string() ? name.get<std::string>() : ""}},
                          entry["problems"].get<double>()});
        }
        return rows;
      });
  registry.gauge_callback(
      "cxloop_problem_mean_hours",
      "Mean hours, over problems created in the last 30 days: to a root cause, to a fix, from "
      "the fix to the last customer told",
      [cache] {
        GaugeRows rows;
        auto durations = cache->get()["durations"];
        for (const char* measure : {"to_root_cause", "to_fix", "fix_to_last_customer_told"}) {
          const auto& value = durations[std::string("mean_hours_") + measure];
          if (value.is_number()) rows.push_back({{{"measure", measure}}, value.get<double>()});
        }
        return rows;
      });
  registry.gauge_callback(
      "cxloop_proactive_contacts_30d",
      "Contacts from customers advised in the last 30 days: expected, actual and avoided", [cache] {
        GaugeRows rows;
        auto proactive = cache->get()["proactive"];
        for (const char* kind : {"expected", "actual", "avoided"}) {
          rows.push_back(
              {{{"kind", kind}}, proactive[std::string(kind) + "_contacts"].get<double>()});
        }
        return rows;
      });
}

}  // namespace

void register_analytics_routes(ApiContext& context) {
  const workflow::AnalyticsSummary& summary = context.domain.analytics;
  context.secured.add("GET", "/api/v1/analytics/summary", {Role::agent},
                      [&summary](http::HttpRequest& request, const Principal&) {
                        return json_response(200, summary.compute(query_object(request)));
                      });
  register_summary_gauges(context.metrics, std::make_shared<SummaryCache>(summary));
}

}  // namespace cxloop::api

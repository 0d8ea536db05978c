#include "app/connector_sync.hpp"

#include <Poco/Logger.h>
#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "config/config.hpp"
#include "events/event_bus.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/plugin_host.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "repository/clock.hpp"
#include "repository/database.hpp"
#include "workflow/tasks.hpp"

namespace cxloop::app {
namespace {

constexpr int kBatch = 100;
constexpr int kDefaultPollSeconds = 300;

using GaugeRows = std::vector<std::pair<metrics::Labels, double>>;

}  // namespace

int poll_connector(plugin_host::PluginHost& plugins, workflow::TaskService& tasks,
                   const std::string& instance) {
  plugin_host::PluginInstance* target = plugins.find(instance);
  if (target == nullptr) {
    throw std::runtime_error("connector instance '" + instance + "' is not running");
  }
  Poco::Logger& logger = Poco::Logger::get("cxloop.connectors");
  int applied = 0;
  std::vector<std::string> refs = tasks.pollable_refs(instance, 1000);
  for (std::size_t start = 0; start < refs.size(); start += kBatch) {
    std::vector<std::string> batch(
        refs.begin() + static_cast<long>(start),
        refs.begin() + static_cast<long>(std::min(refs.size(), start + kBatch)));
    nlohmann::json answer = target->invoke("poll", nlohmann::json{{"refs", batch}});
    workflow::ExternalSync sync =
        tasks.apply_external(instance, answer.value("statuses", nlohmann::json::array()), "poll");
    applied += sync.statuses_applied + sync.comments_added;
    for (const auto& why : sync.refused) {
      logger.warning("poll of connector '%s': %s", instance, why);
    }
  }
  return applied;
}

std::vector<TimerThread::Job> connector_poll_jobs(const config::Config& config,
                                                  plugin_host::PluginHost& plugins,
                                                  workflow::TaskService& tasks,
                                                  metrics::Registry& metrics) {
  std::vector<TimerThread::Job> jobs;
  for (const auto& status : plugins.statuses()) {
    if (status.kind != "connector" || status.state != "running") continue;
    bool polling = false;
    for (const auto& c : status.capabilities) polling = polling || c == "polling";
    if (!polling) continue;
    int seconds = kDefaultPollSeconds;
    for (const auto& instance : config.plugins) {
      if (instance.name != status.instance) continue;
      auto settings = nlohmann::json::parse(instance.settings_json, nullptr, false);
      if (settings.is_object() && settings.contains("poll_interval_s") &&
          settings["poll_interval_s"].is_number_integer() &&
          settings["poll_interval_s"].get<int>() >= 1) {
        seconds = settings["poll_interval_s"].get<int>();
      }
    }
    const std::string name = status.instance;
    jobs.push_back({"poll:" + name, std::chrono::seconds(seconds),
                    [&plugins, &tasks, &metrics, name] {
                      const int applied = poll_connector(plugins, tasks, name);
                      metrics.counter_add("cxloop_connector_poll_changes_total",
                                          "Task statuses and comments applied from polling",
                                          {{"instance", name}}, applied);
                    }});
  }
  return jobs;
}

void register_task_metrics(metrics::Registry& metrics, repository::Database& db,
                           events::EventBus& bus) {
  metrics.gauge_callback(
      "cxloop_tasks_open", "Unfinished department tasks, by department and status", [&db] {
        GaugeRows rows;
        db.read([&](soci::session& sql) {
          soci::rowset<soci::row> result =
              (sql.prepare << "SELECT d.name, t.status, count(*) FROM tasks t JOIN departments d "
                              "ON d.id = t.department_id WHERE t.status IN ('queued', 'open', "
                              "'in_progress') GROUP BY d.name, t.status");
          for (const auto& row : result) {
            // count(*) arrives as integer, long long or (SQLite, an expression without a
            // declared type) text.
            double count = 0;
            switch (row.get_properties(2).get_data_type()) {
              case soci::dt_long_long: count = static_cast<double>(row.get<long long>(2)); break;
              case soci::dt_integer: count = static_cast<double>(row.get<int>(2)); break;
              case soci::dt_string: count = std::stod(row.get<std::string>(2)); break;
              default: count = row.get<double>(2);
            }
            rows.push_back({{{"department", row.get<std::string>(0)},
                             {"status", row.get<std::string>(1)}},
                            count});
          }
        });
        return rows;
      });
  metrics.gauge_callback("cxloop_tasks_overdue", "Unfinished department tasks past their due date",
                         [&db] {
                           long long count = 0;
                           db.read([&](soci::session& sql) {
                             sql << "SELECT count(*) FROM tasks WHERE overdue = 1 AND status IN "
                                    "('queued', 'open', 'in_progress')",
                                 soci::into(count);
                           });
                           return GaugeRows{{{}, static_cast<double>(count)}};
                         });
  bus.subscribe("kernel:task-metrics", "task.status_changed", [&metrics](const events::Event& e) {
    auto data = nlohmann::json::parse(e.data_json, nullptr, false);
    if (!data.is_object() || data.value("after", nlohmann::json::object()).value("status", "") != "done") {
      return;
    }
    auto created = repository::parse_rfc3339(data.value("created_at", ""));
    auto closed = repository::parse_rfc3339(data.value("closed_at", ""));
    if (!created || !closed) return;
    // Tasks take hours to weeks, beyond the latency histogram's buckets: a sum and a count
    // give the mean time to done per department (rate(sum) / rate(count)).
    const metrics::Labels labels{{"department_id", std::to_string(data.value("department_id", 0))}};
    metrics.counter_add("cxloop_task_time_to_done_seconds_sum",
                        "Total time from creation to done of department tasks", labels,
                        std::chrono::duration<double>(*closed - *created).count());
    metrics.counter_add("cxloop_task_time_to_done_seconds_count",
                        "Department tasks that reached done", labels);
  });
}

}  // namespace cxloop::app

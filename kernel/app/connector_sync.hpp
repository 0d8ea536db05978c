// Status back from department systems that have no callbacks: each running connector
// instance whose manifest declares "polling" is asked, every poll_interval_s of its settings
// (default 300), for the state of the tasks it holds; what it reports is applied like a
// callback (statuses through the task lifecycle, comments once each onto the problem's
// timeline). Also the task figures in /metrics.
#pragma once

#include <string>
#include <vector>

#include "app/timer_thread.hpp"

namespace cxloop {
namespace config {
struct Config;
}
namespace plugin_host {
class PluginHost;
}
namespace workflow {
class TaskService;
}
namespace repository {
class Database;
}
namespace events {
class EventBus;
}
}  // namespace cxloop

namespace cxloop::app {

// Polls one instance once: its pollable references in batches of 100. Returns the number of
// statuses and comments applied. Throws when the instance is not running or fails.
int poll_connector(plugin_host::PluginHost& plugins, workflow::TaskService& tasks,
                   const std::string& instance);

// One timer job per running polling connector instance.
std::vector<TimerThread::Job> connector_poll_jobs(const config::Config& config,
                                                  plugin_host::PluginHost& plugins,
                                                  workflow::TaskService& tasks,
                                                  metrics::Registry& metrics);

// Gauges (open tasks by department and status, overdue tasks) read at scrape time, and the
// time-to-done histogram fed from task.status_changed events.
void register_task_metrics(metrics::Registry& metrics, repository::Database& db,
                           events::EventBus& bus);

}  // namespace cxloop::app

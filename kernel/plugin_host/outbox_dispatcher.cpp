#include "plugin_host/outbox_dispatcher.hpp"

#include <map>
#include <set>

#include <Poco/Logger.h>

#include "metrics/metrics.hpp"
#include "plugin_host/plugin_host.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "repository/outbox.hpp"
#include "workflow/domain_error.hpp"

namespace cxloop::plugin_host {
namespace {

constexpr const char* kAttemptsHelp = "Outbox items handed to a plugin instance, by target";
constexpr const char* kSuccessHelp = "Outbox items a plugin instance completed, by target";
constexpr const char* kFailureHelp =
    "Outbox attempts that failed, by target and outcome (retry or dead)";
constexpr const char* kLatencyHelp = "Time a plugin instance took to handle an outbox item";

bool permanent(cxloop_status status) {
  switch (status) {
    case CXLOOP_ERR_INVALID:
    case CXLOOP_ERR_UNSUPPORTED:
    case CXLOOP_ERR_NOT_FOUND:
    case CXLOOP_ERR_FORBIDDEN:
      return true;
    default:
      return false;  // UNAVAILABLE, INTERNAL and CONFLICT may pass on a later attempt
  }
}

}  // namespace

OutboxDispatcher::OutboxDispatcher(repository::Outbox& outbox, PluginHost& plugins,
                                   metrics::Registry& metrics, std::string node, int threads,
                                   std::chrono::milliseconds poll)
    : outbox_(outbox),
      plugins_(plugins),
      metrics_(metrics),
      node_(std::move(node)),
      threads_(threads < 1 ? 1 : threads),
      poll_(poll) {}

OutboxDispatcher::~OutboxDispatcher() { stop(); }

void OutboxDispatcher::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!workers_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < threads_; ++i) workers_.emplace_back([this, i] { run(i == 0); });
}

void OutboxDispatcher::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    workers.swap(workers_);
  }
  wakeup_.notify_all();
  for (auto& worker : workers) worker.join();
}

void OutboxDispatcher::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_all();
}

// What one batch came to: the items their plugins handled (with the answers) and the items
// held back, recorded together by Outbox::settle.
struct OutboxDispatcher::Settlement {
  std::vector<repository::OutboxItem> done;
  std::map<std::int64_t, std::string> answers;
  std::vector<repository::Outbox::Deferral> deferred;
};

std::size_t OutboxDispatcher::dispatch_due() {
  std::size_t count = 0;
  while (std::size_t n = dispatch_batch()) count += n;
  return count;
}

void OutboxDispatcher::run(bool poller) {
  Poco::Logger& logger = Poco::Logger::get("cxloop.outbox");
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
    }
    bool busy = false;
    try {
      busy = dispatch_batch() > 0;
    } catch (const std::exception& e) {
      // The database is unreachable or a claim failed: wait a poll interval and try again.
      logger.error("outbox dispatch failed: %s", std::string(e.what()));
    }
    if (busy) continue;
    // Only one worker polls the outbox (for items that came due, or that another node
    // enqueued); the others sleep until work is enqueued here or a busy worker wakes them.
    // Idle, a node then asks the database once per poll interval, not once per worker.
    std::unique_lock<std::mutex> lock(mutex_);
    if (poller) {
      wakeup_.wait_for(lock, poll_, [this] { return stopping_ || woken_; });
    } else {
      wakeup_.wait(lock, [this] { return stopping_ || woken_; });
    }
    woken_ = false;
  }
}

std::size_t OutboxDispatcher::dispatch_batch() {
  const auto claimed_at = std::chrono::steady_clock::now();
  std::vector<repository::OutboxItem> items = outbox_.claim(node_, claim_batch, lease);
  if (items.empty()) return 0;
  // A full batch means there is likely more: bring in a sleeping worker before sending, and
  // it brings in the next if its batch is full too, so a backlog spreads over every worker.
  if (items.size() == static_cast<std::size_t>(claim_batch)) wake();
  Settlement settlement;
  for (const auto& item : items) {
    // Items whose turn comes after half their lease (slow sends before them) go back unsent:
    // dispatching them this late could overlap another node's claim after the lease expires.
    if (std::chrono::steady_clock::now() - claimed_at > lease / 2) {
      settlement.deferred.push_back({item.id, std::chrono::milliseconds(0)});
      continue;
    }
    dispatch(item, settlement);
  }
  Poco::Logger& logger = Poco::Logger::get("cxloop.outbox");
  const auto failed = outbox_.settle(
      settlement.done,
      [&](const repository::OutboxItem& item) {
        if (on_done_) on_done_(item, settlement.answers[item.id]);
      },
      settlement.deferred);
  std::set<std::int64_t> refused;
  for (const auto& [item, error] : failed) {
    refused.insert(item.id);
    try {
      std::rethrow_exception(error);
    } catch (const workflow::DomainError& e) {
      // An answer the kernel cannot use (no external reference) will not improve by retrying.
      record_failure(item, std::string("the plugin's answer was refused: ") + e.what(),
                     e.kind() == workflow::ErrorKind::invalid);
    } catch (const std::exception& e) {
      record_failure(item, std::string("recording the plugin's answer failed: ") + e.what(), false);
    } catch (...) {
      logger.error("recording outbox item %s failed with an unknown exception",
                   std::to_string(item.id));
      record_failure(item, "recording the plugin's answer failed", false);
    }
  }
  for (const auto& item : settlement.done) {
    if (refused.count(item.id) == 0)
      metrics_.counter_add("cxloop_outbox_dispatch_success_total", kSuccessHelp,
                           {{"target", item.target}});
  }
  return items.size();
}

void OutboxDispatcher::record_failure(const repository::OutboxItem& item, const std::string& error,
                                      bool dead) {
  Poco::Logger& logger = Poco::Logger::get("cxloop.outbox");
  metrics_.counter_add("cxloop_outbox_dispatch_failures_total", kFailureHelp,
                       {{"target", item.target}, {"outcome", dead ? "dead" : "retry"}});
  logger.warning("outbox item %s (%s for %s, attempt %s) %s: %s", std::to_string(item.id),
                 item.operation, item.target, std::to_string(item.attempts + 1),
                 std::string(dead ? "is dead" : "will be retried"), error);
  if (outbox_.fail(item.id, error, dead) && on_dead_) {
    try {
      on_dead_(item, error);
    } catch (const std::exception& e) {
      logger.error("recording the dead outbox item %s failed: %s", std::to_string(item.id),
                   std::string(e.what()));
    }
  }
}

void OutboxDispatcher::dispatch(const repository::OutboxItem& item, Settlement& settlement) {
  const metrics::Labels target{{"target", item.target}};
  metrics_.counter_add("cxloop_outbox_dispatch_attempts_total", kAttemptsHelp, target);

  PluginInstance* instance = plugins_.find(item.target);
  if (instance == nullptr) {
    record_failure(item,
                   "plugin instance '" + item.target +
                       "' is not running; fix it (GET /api/v1/plugins shows why) and restart",
                   false);
    return;
  }

  nlohmann::json payload;
  try {
    payload = nlohmann::json::parse(item.payload_json);
  } catch (const nlohmann::json::parse_error& e) {
    record_failure(item, std::string("payload is not valid JSON: ") + e.what(), true);
    return;
  }
  if (!payload.is_object()) {
    record_failure(item, "payload must be a JSON object", true);
    return;
  }
  if (gate_) {
    const std::chrono::milliseconds hold = gate_(item, payload);
    if (hold.count() > 0) {
      settlement.deferred.push_back({item.id, hold});
      return;
    }
  }
  // The plugin's guard against doing the work twice after a lease expired mid-attempt.
  payload["idempotency_key"] = item.idempotency_key;

  const auto started = std::chrono::steady_clock::now();
  std::string answer;
  try {
    answer = instance->invoke(item.operation, payload.dump());
  } catch (const PluginCallError& e) {
    metrics_.observe(
        "cxloop_outbox_dispatch_seconds", kLatencyHelp, target,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    record_failure(item, e.what(), permanent(e.status()));
    return;
  }
  metrics_.observe(
      "cxloop_outbox_dispatch_seconds", kLatencyHelp, target,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  settlement.answers[item.id] = std::move(answer);
  settlement.done.push_back(item);
}

}  // namespace cxloop::plugin_host

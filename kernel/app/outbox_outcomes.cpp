#include "app/outbox_outcomes.hpp"

#include <cerrno>
#include <memory>

#include <signal.h>
#include <unistd.h>

#include <Poco/Environment.h>
#include <Poco/Logger.h>

#include <nlohmann/json.hpp>

#include "app/rate_limiter.hpp"
#include "plugin_host/outbox_dispatcher.hpp"
#include "repository/outbox.hpp"
#include "workflow/domain_services.hpp"

namespace cxloop::app {
namespace {

using json = nlohmann::json;

std::int64_t id_in(const json& payload, const char* key) {
  if (!payload.is_object() || !payload.contains(key) || !payload.at(key).is_number_integer()) return 0;
  return payload.at(key).get<std::int64_t>();
}

// True when claimant names a process of this host that has exited.
bool dead_local_process(const std::string& claimant) {
  const std::string host = Poco::Environment::nodeName() + ":";
  if (claimant.rfind(host, 0) != 0) return false;
  const std::string pid_text = claimant.substr(host.size());
  if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) return false;
  const long pid = std::stol(pid_text);
  if (pid <= 0 || pid == static_cast<long>(::getpid())) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

std::int64_t release_orphaned_claims(repository::Outbox& outbox, const std::string& node_name) {
  std::int64_t released = 0;
  for (const auto& claimant : outbox.claimants()) {
    if (claimant != node_name && !dead_local_process(claimant)) continue;
    const std::int64_t n = outbox.release(claimant);
    released += n;
    Poco::Logger::get("cxloop.outbox")
        .information("took back %s outbox item(s) left in flight by %s, which is no longer running",
                     std::to_string(n), claimant);
  }
  return released;
}

void wire_outbox_outcomes(plugin_host::OutboxDispatcher& dispatcher, workflow::DomainServices& domain,
                          const std::map<std::string, double>& rate_limits) {
  dispatcher.on_done([&domain](const repository::OutboxItem& item, const std::string& answer_text) {
    const json payload = json::parse(item.payload_json, nullptr, false);
    const json answer = json::parse(answer_text, nullptr, false);
    if (item.operation == "push") {
      if (auto task = id_in(payload, "id")) domain.tasks.record_push(task, answer);
    } else if (item.operation == "send") {
      if (auto notification = id_in(payload, "notification_id")) {
        domain.campaigns.record_sent(notification, answer, payload.value("text", ""));
      }
    }
  });

  dispatcher.on_dead([&domain](const repository::OutboxItem& item, const std::string& error) {
    const json payload = json::parse(item.payload_json, nullptr, false);
    const std::string given_up = "'" + item.target + "' was given up after " +
                                 std::to_string(item.attempts) + " attempt(s): " + error +
                                 "; retry it with POST /api/v1/outbox/" + std::to_string(item.id) +
                                 "/retry";
    if (item.operation == "push") {
      if (auto task = id_in(payload, "id")) domain.tasks.record_push_failure(task, "pushing to " + given_up);
    } else if (item.operation == "send") {
      if (auto notification = id_in(payload, "notification_id")) {
        domain.campaigns.record_failed(notification, "sending through " + given_up);
      }
    } else if (item.operation == "deliver" && payload.is_object() && payload.contains("message")) {
      // A reply whose delivery was given up on is marked failed on its case's thread.
      domain.cases.set_delivery({{"message_id", payload["message"].at("id")},
                                 {"delivery_state", "failed"},
                                 {"error", "delivery through " + given_up}},
                                workflow::Actor{"system", "system"});
    }
  });

  auto limiter = std::make_shared<RateLimiter>(rate_limits);
  dispatcher.gate([&domain, limiter](const repository::OutboxItem& item, const json& payload) {
    if (item.operation != "send" && item.operation != "publish") return std::chrono::milliseconds(0);
    if (auto campaign = id_in(payload, "campaign_id")) {
      // A paused campaign's items wait; they are looked at again every second.
      if (domain.campaigns.paused(campaign)) return std::chrono::milliseconds(1000);
    }
    return limiter->acquire(item.target);
  });
}

}  // namespace cxloop::app

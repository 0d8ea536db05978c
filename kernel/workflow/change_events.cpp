#include "workflow/change_events.hpp"

#include "events/event_bus.hpp"
#include "repository/database.hpp"
#include "repository/event_log.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {

void ChangeEvents::record(soci::session& tx, std::string type, std::string subject,
                          const std::string& actor, const nlohmann::json& data) {
  events::Event event;
  event.type = std::move(type);
  event.subject = std::move(subject);
  event.actor = actor;
  event.data_json = data.dump();
  repository::EventLog::append_serialized(tx, event);
  events_.push_back(std::move(event));
}

void ChangeEvents::publish(const WorkflowContext& context) const {
  if (context.bus == nullptr || events_.empty()) return;
  // Inside another write job (one that records several changes inline) the events wait for
  // its commit; otherwise the write has committed already and they go out at once.
  context.db.after_commit([bus = context.bus, events = events_] {
    for (const auto& event : events) bus->publish(event);
  });
}

}  // namespace cxloop::workflow

// The events one write transaction produces: each is appended to the event log inside the
// transaction (so the audit trail commits or rolls back with the change) and published on
// the event bus only after the transaction has committed.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/event.hpp"

namespace soci {
class session;
}

namespace cxloop::workflow {

struct WorkflowContext;

class ChangeEvents {
 public:
  // Appends an event to the log in tx. subject: "case:42"; data: before/after and details.
  void record(soci::session& tx, std::string type, std::string subject, const std::string& actor,
              const nlohmann::json& data);
  // Publishes the recorded events on the context's bus, if any. Call after commit.
  void publish(const WorkflowContext& context) const;
  // Forgets recorded events (a retried transaction records them again).
  void clear() { events_.clear(); }
  const std::vector<events::Event>& events() const { return events_; }

 private:
  std::vector<events::Event> events_;
};

}  // namespace cxloop::workflow

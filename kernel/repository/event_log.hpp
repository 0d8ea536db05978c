// The event log: the audit trail of every state change and the source of plugin events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "events/event.hpp"

namespace soci {
class session;
}

namespace cxloop::repository {

class Database;

class EventLog {
 public:
  explicit EventLog(Database& db) : db_(db) {}

  // Appends inside the caller's write transaction; fills event.id and event.at. Refuses data
  // that is not valid JSON.
  static void append(soci::session& tx, events::Event& event);
  // The same for data_json written by nlohmann::json::dump, which is valid JSON by
  // construction and is not parsed again here.
  static void append_serialized(soci::session& tx, events::Event& event);
  // Events for one subject ("case:42"), oldest first, after the given id.
  std::vector<events::Event> for_subject(const std::string& subject, std::int64_t after_id,
                                         int limit) const;
  // Events after the given id, oldest first (for catching up subscribers).
  std::vector<events::Event> after(std::int64_t after_id, int limit) const;

 private:
  Database& db_;
};

}  // namespace cxloop::repository

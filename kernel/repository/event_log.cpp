#include "repository/event_log.hpp"

#include <soci/soci.h>

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "repository/clock.hpp"
#include "repository/database.hpp"
#include "repository/sqlite_statement_cache.hpp"

namespace cxloop::repository {
namespace {

std::vector<events::Event> select_events(Database& db, const std::string& where,
                                         const std::string* subject, std::int64_t after_id,
                                         int limit) {
  std::vector<events::Event> out;
  const long long after = after_id;
  db.read([&](soci::session& sql) {
    long long id = 0;
    events::Event e;
    soci::statement st =
        subject != nullptr
            ? (sql.prepare << "SELECT id, type, subject, actor, at, data FROM events WHERE " +
                                  where + " ORDER BY id LIMIT :l",
               soci::use(*subject), soci::use(after), soci::use(limit), soci::into(id),
               soci::into(e.type), soci::into(e.subject), soci::into(e.actor), soci::into(e.at),
               soci::into(e.data_json))
            : (sql.prepare << "SELECT id, type, subject, actor, at, data FROM events WHERE " +
                                  where + " ORDER BY id LIMIT :l",
               soci::use(after), soci::use(limit), soci::into(id), soci::into(e.type),
               soci::into(e.subject), soci::into(e.actor), soci::into(e.at),
               soci::into(e.data_json));
    st.execute();
    while (st.fetch()) {
      e.id = id;
      out.push_back(e);
    }
  });
  return out;
}

}  // namespace

void EventLog::append(soci::session& tx, events::Event& event) {
  // Subscribers and the audit API parse this later; refuse bad JSON where it is written.
  if (!event.data_json.empty() && !nlohmann::json::accept(event.data_json))
    throw std::invalid_argument("event '" + event.type + "' for " + event.subject +
                                " has data that is not valid JSON");
  append_serialized(tx, event);
}

void EventLog::append_serialized(soci::session& tx, events::Event& event) {
  if (event.type.empty() || event.subject.empty() || event.actor.empty())
    throw std::invalid_argument("an event needs a type, a subject and an actor (got type '" +
                                event.type + "', subject '" + event.subject + "', actor '" +
                                event.actor + "')");
  if (event.data_json.empty()) event.data_json = "{}";
  event.at = now_rfc3339();
  static const std::string insert =
      "INSERT INTO events (type, subject, actor, at, data) VALUES (:t, :s, :a, :at, :d) "
      "RETURNING id";
  if (SqliteStatementCache* cache = SqliteStatementCache::of(tx)) {
    SqliteStatementCache::Statement statement = cache->prepare(insert);
    statement.bind(1, event.type);
    statement.bind(2, event.subject);
    statement.bind(3, event.actor);
    statement.bind(4, event.at);
    statement.bind(5, event.data_json);
    statement.step();
    event.id = statement.integer(0);
    return;
  }
  long long id = 0;
  tx << insert, soci::use(event.type), soci::use(event.subject), soci::use(event.actor),
      soci::use(event.at), soci::use(event.data_json), soci::into(id);
  event.id = id;
}

std::vector<events::Event> EventLog::for_subject(const std::string& subject, std::int64_t after_id,
                                                 int limit) const {
  return select_events(db_, "subject = :s AND id > :a", &subject, after_id, limit);
}

std::vector<events::Event> EventLog::after(std::int64_t after_id, int limit) const {
  return select_events(db_, "id > :a", nullptr, after_id, limit);
}

}  // namespace cxloop::repository

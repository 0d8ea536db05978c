#include "workflow/departments.hpp"

#include <soci/soci.h>

#include "repository/database.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns =
    "id, name, connector_instance, connector_settings, ola_hours, escalation_contact, revision, "
    "created_at, updated_at";
const std::set<std::string> kFields = {"name", "connector_instance", "connector_settings",
                                       "ola_hours", "escalation_contact"};

std::string subject_of(std::int64_t id) { return "department:" + std::to_string(id); }

std::optional<nlohmann::json> load(soci::session& session, std::int64_t id) {
  return select_one(session, std::string("SELECT ") + kColumns + " FROM departments WHERE id = :id",
                    id, {"connector_settings", "escalation_contact"});
}

DomainError missing_department(std::int64_t id) {
  return DomainError(ErrorKind::not_found, "department " + std::to_string(id) + " does not exist");
}

SqlFields department_fields(const nlohmann::json& in) {
  SqlFields fields;
  if (in.contains("name")) fields.emplace_back("name", required_text(in, "name", 200));
  if (in.contains("connector_instance")) {
    fields.emplace_back("connector_instance",
                        sql_value(optional_text(in, "connector_instance", 200)));
  }
  if (in.contains("connector_settings")) {
    fields.emplace_back("connector_settings", object_or(in, "connector_settings").dump());
  }
  if (in.contains("ola_hours")) {
    fields.emplace_back(
        "ola_hours",
        optional_integer(in, "ola_hours", 1, 8760).value_or(DepartmentService::kDefaultOlaHours));
  }
  if (in.contains("escalation_contact")) {
    fields.emplace_back("escalation_contact", object_or(in, "escalation_contact").dump());
  }
  return fields;
}

void require_unique_name(soci::session& tx, const SqlFields& fields, std::int64_t self) {
  for (const auto& entry : fields) {
    if (entry.first != "name") continue;
    const std::string& name = std::get<std::string>(entry.second);
    auto rows = SqlQuery("SELECT id FROM departments").where("name = $", name).rows(tx);
    if (!rows.empty() && rows.front().at("id").get<std::int64_t>() != self) {
      throw DomainError(ErrorKind::conflict,
                        "a department named '" + name + "' already exists; choose another name",
                        "/name");
    }
  }
}

}  // namespace

nlohmann::json DepartmentService::create(const nlohmann::json& in, const Actor& actor) {
  require_object(in, kFields, "department");
  required_text(in, "name", 200);
  SqlFields fields = department_fields(in);
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    require_unique_name(tx, fields, 0);
    std::string now = now_rfc3339();
    SqlFields row = fields;
    row.emplace_back("created_at", now);
    row.emplace_back("updated_at", now);
    std::int64_t id = insert_returning_id(tx, "departments", row);
    result = *load(tx, id);
    changes.record(tx, "department.created", subject_of(id), actor.id, {{"after", result}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json DepartmentService::update(std::int64_t id, const nlohmann::json& in,
                                         std::optional<std::int64_t> expected_revision,
                                         const Actor& actor) {
  require_object(in, kFields, "department update");
  SqlFields fields = department_fields(in);
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto before = select_one(
        tx,
        std::string("SELECT ") + kColumns + " FROM departments WHERE id = :id" + row_lock(context_),
        id, {"connector_settings", "escalation_contact"});
    if (!before) throw missing_department(id);
    std::int64_t revision = before->at("revision").get<std::int64_t>();
    if (expected_revision && *expected_revision != revision) {
      throw DomainError(ErrorKind::stale_revision,
                        "department " + std::to_string(id) + " is at revision " +
                            std::to_string(revision) + ", not " +
                            std::to_string(*expected_revision) + "; re-read it and retry");
    }
    require_unique_name(tx, fields, id);
    SqlFields changed = fields;
    changed.emplace_back("revision", revision + 1);
    changed.emplace_back("updated_at", now_rfc3339());
    update_row(tx, "departments", "id", id, changed);
    result = *load(tx, id);
    changes.record(tx, "department.updated", subject_of(id), actor.id,
                   {{"before", *before}, {"after", result}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json DepartmentService::get(std::int64_t id) const {
  std::optional<nlohmann::json> found;
  context_.db.read([&](soci::session& session) { found = load(session, id); });
  if (!found) throw missing_department(id);
  return *found;
}

nlohmann::json DepartmentService::list() const {
  std::vector<nlohmann::json> rows;
  context_.db.read([&](soci::session& session) {
    rows = SqlQuery(std::string("SELECT ") + kColumns + " FROM departments ORDER BY name, id")
               .rows(session, {"connector_settings", "escalation_contact"});
  });
  return rows;
}

void DepartmentService::remove(std::int64_t id, const Actor& actor) {
  ChangeEvents changes;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto before = load(tx, id);
    if (!before) throw missing_department(id);
    for (const char* table : {"problems", "tasks", "tokens"}) {
      auto users = SqlQuery(std::string("SELECT count(*) FROM ") + table)
                       .where("department_id = $", id)
                       .scalar(tx);
      if (users > 0) {
        throw DomainError(ErrorKind::conflict, "department " +
                                                   before->at("name").get<std::string>() +
                                                   " is still used by " + std::to_string(users) +
                                                   " " + table + "; reassign or remove them first");
      }
    }
    SqlQuery("DELETE FROM departments").where("id = $", id).execute(tx);
    changes.record(tx, "department.deleted", subject_of(id), actor.id, {{"before", *before}});
  });
  changes.publish(context_);
}

}  // namespace cxloop::workflow

#include "workflow/problems.hpp"

#include <soci/soci.h>

#include <cstdio>
#include <sstream>

#include "repository/database.hpp"
#include "workflow/cases.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/recurrence.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/state_machines.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns =
    "id, number, title, description, category, scope, root_cause, department_id, priority, "
    "severity, state, revision, created_at, updated_at, root_cause_at, fix_delivered_at, "
    "verified_at, advisory";

const std::set<std::string> kFields = {"title",    "description", "category",
                                       "scope",    "root_cause",  "department_id",
                                       "priority", "severity",    "advisory"};
const std::vector<std::string> kSeverities = {"minor", "major", "critical"};

std::string subject_of(std::int64_t id) { return "problem:" + std::to_string(id); }

DomainError missing_problem(std::int64_t id) {
  return DomainError(ErrorKind::not_found, "problem " + std::to_string(id) + " does not exist");
}

nlohmann::json lock_problem(soci::session& tx, const WorkflowContext& context, std::int64_t id) {
  auto found = select_one(
      tx, std::string("SELECT ") + kColumns + " FROM problems WHERE id = :id" + row_lock(context),
      id, {"scope"}, {"advisory"});
  if (!found) throw missing_problem(id);
  return *found;
}

nlohmann::json lock_case(soci::session& tx, const WorkflowContext& context, std::int64_t id) {
  auto found = select_one(
      tx, "SELECT id, number, problem_id, revision FROM cases WHERE id = :id" + row_lock(context),
      id);
  if (!found) {
    throw DomainError(ErrorKind::not_found, "case " + std::to_string(id) + " does not exist",
                      "/case_id");
  }
  return *found;
}

SqlFields problem_fields(const WorkflowContext& context, soci::session& tx,
                         const nlohmann::json& in) {
  SqlFields fields;
  if (in.contains("title")) fields.emplace_back("title", required_text(in, "title", 500));
  if (in.contains("description")) {
    fields.emplace_back("description", optional_text(in, "description", 100000).value_or(""));
  }
  if (in.contains("category")) {
    auto category = optional_text(in, "category", 100);
    if (category) require_category(context, *category, "category");
    fields.emplace_back("category", sql_value(category));
  }
  if (in.contains("scope")) {
    fields.emplace_back("scope",
                        AffectedScope::from_json(in.at("scope"), "/scope").to_json().dump());
  }
  if (in.contains("root_cause")) {
    fields.emplace_back("root_cause", sql_value(optional_text(in, "root_cause", 100000)));
  }
  if (in.contains("advisory")) {
    // Whether delivering the fix also warns the likely affected (campaigns.hpp).
    fields.emplace_back("advisory",
                        std::int64_t{optional_bool(in, "advisory").value_or(false) ? 1 : 0});
  }
  if (in.contains("department_id")) {
    auto department = optional_id(in, "department_id");
    if (department && !select_one(tx, "SELECT id FROM departments WHERE id = :id", *department)) {
      throw DomainError(ErrorKind::invalid,
                        "department " + std::to_string(*department) +
                            " does not exist; create it first or send an existing id",
                        "/department_id");
    }
    fields.emplace_back("department_id", sql_value(department));
  }
  if (in.contains("priority")) {
    std::string priority = required_text(in, "priority", 20);
    require_one_of(priority, kPriorities, "priority");
    fields.emplace_back("priority", priority);
  }
  if (in.contains("severity")) {
    std::string severity = required_text(in, "severity", 20);
    require_one_of(severity, kSeverities, "severity");
    fields.emplace_back("severity", severity);
  }
  return fields;
}

bool sets_root_cause(const SqlFields& fields) {
  for (const auto& entry : fields) {
    if (entry.first == "root_cause") {
      const auto* text = std::get_if<std::string>(&entry.second);
      return text != nullptr && !trim(*text).empty();
    }
  }
  return false;
}

std::vector<std::string> state_list(const nlohmann::json& q) {
  std::vector<std::string> states;
  auto state = optional_text(q, "state", 300);
  if (!state) return states;
  std::stringstream parts(*state);
  for (std::string part; std::getline(parts, part, ',');) {
    part = trim(part);
    if (part.empty()) continue;
    if (!problem_lifecycle().has_state(part)) {
      throw DomainError(ErrorKind::invalid,
                        "'state' has '" + part + "'; use one or more of: " +
                            join(problem_lifecycle().states, ", ") + " (comma-separated)",
                        "/state");
    }
    states.push_back(part);
  }
  return states;
}

}  // namespace

std::string ProblemService::number_for(std::int64_t id) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "PRB-%06lld", static_cast<long long>(id));
  return buffer;
}

std::optional<nlohmann::json> ProblemService::load(soci::session& session, std::int64_t id) {
  return select_one(session, std::string("SELECT ") + kColumns + " FROM problems WHERE id = :id",
                    id, {"scope"}, {"advisory"});
}

nlohmann::json ProblemService::create(const nlohmann::json& in, const Actor& actor) {
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    result = create_in(tx, context_, in, actor, changes);
  });
  changes.publish(context_);
  return result;
}

nlohmann::json ProblemService::create_in(soci::session& tx, const WorkflowContext& context,
                                         const nlohmann::json& in, const Actor& actor,
                                         ChangeEvents& changes) {
  require_object(in, kFields, "problem");
  required_text(in, "title", 500);
  SqlFields fields = problem_fields(context, tx, in);
  std::string now = now_rfc3339();
  if (sets_root_cause(fields)) fields.emplace_back("root_cause_at", now);
  if (!in.contains("scope")) fields.emplace_back("scope", AffectedScope().to_json().dump());
  fields.emplace_back("state", std::string("proposed"));
  fields.emplace_back("created_at", now);
  fields.emplace_back("updated_at", now);
  std::int64_t id = insert_returning_id(tx, "problems", fields);
  update_row(tx, "problems", "id", id, {{"number", number_for(id)}});
  nlohmann::json result = *load(tx, id);
  changes.record(tx, "problem.created", subject_of(id), actor.id, {{"after", result}});
  return result;
}

nlohmann::json ProblemService::update(std::int64_t id, const nlohmann::json& in,
                                      std::optional<std::int64_t> expected_revision,
                                      const Actor& actor) {
  require_object(in, kFields, "problem update");
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    nlohmann::json before = lock_problem(tx, context_, id);
    require_revision(before, expected_revision,
                     "problem " + before.at("number").get<std::string>());
    SqlFields fields = problem_fields(context_, tx, in);
    SqlFields changed = fields;
    std::string now = now_rfc3339();
    if (sets_root_cause(fields) && before.at("root_cause_at").is_null()) {
      changed.emplace_back("root_cause_at", now);
    }
    changed.emplace_back("revision", before.at("revision").get<std::int64_t>() + 1);
    changed.emplace_back("updated_at", now);
    update_row(tx, "problems", "id", id, changed);
    result = *load(tx, id);
    nlohmann::json old_values, new_values;
    for (const auto& entry : fields) {
      old_values[entry.first] = before.at(entry.first);
      new_values[entry.first] = result.at(entry.first);
    }
    changes.record(tx, "problem.updated", subject_of(id), actor.id,
                   {{"before", old_values}, {"after", new_values}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json ProblemService::transition(std::int64_t id, const std::string& to,
                                          std::optional<std::int64_t> expected_revision,
                                          const Actor& actor, const std::string& note) {
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    nlohmann::json before = lock_problem(tx, context_, id);
    require_revision(before, expected_revision,
                     "problem " + before.at("number").get<std::string>());
    std::string from = before.at("state").get<std::string>();
    problem_lifecycle().require(from, to);
    std::string now = now_rfc3339();
    SqlFields fields = {{"state", to},
                        {"revision", before.at("revision").get<std::int64_t>() + 1},
                        {"updated_at", now}};
    if (to == "solution_agreed") {
      if (!select_one(tx, "SELECT problem_id FROM solutions WHERE problem_id = :id", id)) {
        throw DomainError(ErrorKind::conflict,
                          "problem " + before.at("number").get<std::string>() +
                              " has no solution yet; record one (type, summary) before moving "
                              "to solution_agreed",
                          "/state");
      }
      update_row(tx, "solutions", "problem_id", id, {{"agreed_at", now}, {"updated_at", now}});
    }
    if (to == "fix_in_progress" && before.at("department_id").is_null()) {
      throw DomainError(ErrorKind::conflict,
                        "problem " + before.at("number").get<std::string>() +
                            " has no owning department; set department_id before moving to "
                            "fix_in_progress",
                        "/department_id");
    }
    if (to == "fix_delivered") {
      auto solution = select_one(tx, "SELECT agreed_at FROM solutions WHERE problem_id = :id", id);
      if (!solution || solution->at("agreed_at").is_null()) {
        throw DomainError(ErrorKind::conflict,
                          "problem " + before.at("number").get<std::string>() +
                              " has no agreed solution; agree one (POST .../solution/agree) "
                              "before delivering the fix",
                          "/state");
      }
      const std::int64_t unfinished = SqlQuery("SELECT count(*) FROM tasks")
                                          .where("problem_id = $", id)
                                          .where("status IN ('queued', 'open', 'in_progress')")
                                          .scalar(tx);
      if (unfinished > 0 && trim(note).empty()) {
        throw DomainError(ErrorKind::conflict,
                          "problem " + before.at("number").get<std::string>() + " has " +
                              std::to_string(unfinished) +
                              " unfinished department task(s); send a 'note' saying why the "
                              "fix is delivered anyway",
                          "/note");
      }
      fields.emplace_back("fix_delivered_at", now);
    }
    if (to == "verified") {
      require_fix_verified(tx, context_.verification, before);
      fields.emplace_back("verified_at", now);
    }
    update_row(tx, "problems", "id", id, fields);
    result = *load(tx, id);
    changes.record(tx, "problem.state_changed", subject_of(id), actor.id,
                   {{"before", {{"state", from}, {"revision", before.at("revision")}}},
                    {"after", {{"state", to}, {"revision", result.at("revision")}}},
                    {"note", note}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json ProblemService::get(std::int64_t id) const {
  std::optional<nlohmann::json> found;
  context_.db.read([&](soci::session& session) { found = load(session, id); });
  if (!found) throw missing_problem(id);
  return *found;
}

nlohmann::json ProblemService::find_by_number(const std::string& number) const {
  std::vector<nlohmann::json> rows;
  context_.db.read([&](soci::session& session) {
    rows = SqlQuery(std::string("SELECT ") + kColumns + " FROM problems")
               .where("number = $", trim(number))
               .rows(session, {"scope"}, {"advisory"});
  });
  if (rows.empty()) {
    throw DomainError(ErrorKind::not_found,
                      "no problem has number '" + number + "'; numbers look like PRB-000045");
  }
  return rows.front();
}

Page ProblemService::list(const nlohmann::json& query) const {
  nlohmann::json q = query.is_null() ? nlohmann::json::object() : query;
  require_object(q, {"state", "category", "department_id", "cursor", "limit", "count"},
                 "problem list query");
  auto states = state_list(q);
  auto category = optional_text(q, "category", 100);
  auto department = optional_id(q, "department_id");
  PageRequest request = PageRequest::from_json(q);
  Page page;
  context_.db.read([&](soci::session& session) {
    page = fetch_page(session, kColumns, "problems", "",
                      [&](SqlQuery& sql) {
                        sql.where_in("state", states);
                        if (category) sql.where("category = $", *category);
                        if (department) sql.where("department_id = $", *department);
                      },
                      request, {"scope"}, {"advisory"});
  });
  return page;
}

nlohmann::json ProblemService::link_case(std::int64_t problem_id, std::int64_t case_id, bool move,
                                         const Actor& actor) {
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    result = link_case_in(tx, context_, problem_id, case_id, move, actor, changes);
  });
  changes.publish(context_);
  return result;
}

nlohmann::json ProblemService::link_case_in(soci::session& tx, const WorkflowContext& context,
                                            std::int64_t problem_id, std::int64_t case_id,
                                            bool move, const Actor& actor, ChangeEvents& changes) {
  nlohmann::json problem = lock_problem(tx, context, problem_id);
  nlohmann::json linked = lock_case(tx, context, case_id);
  nlohmann::json previous = linked.at("problem_id");
  if (previous.is_number() && previous.get<std::int64_t>() == problem_id) {
    return {{"problem_id", problem_id},
            {"case", *CaseService::load(tx, case_id)},
            {"changed", false},
            {"previous_problem_id", previous}};
  }
  if (problem.at("state") == "closed") {
    throw DomainError(ErrorKind::conflict,
                      "problem " + problem.at("number").get<std::string>() +
                          " is closed; link the case to an open problem or reopen work on a "
                          "new one",
                      "/problem_id");
  }
  if (previous.is_number() && !move) {
    throw DomainError(ErrorKind::conflict,
                      "case " + linked.at("number").get<std::string>() +
                          " is already linked to problem " +
                          number_for(previous.get<std::int64_t>()) + "; send move: true to move it",
                      "/move");
  }
  update_row(tx, "cases", "id", case_id,
             {{"problem_id", problem_id},
              {"revision", linked.at("revision").get<std::int64_t>() + 1},
              {"updated_at", now_rfc3339()}});
  if (previous.is_number()) {
    changes.record(tx, "problem.case_unlinked", subject_of(previous.get<std::int64_t>()), actor.id,
                   {{"case_id", case_id},
                    {"case_number", linked.at("number")},
                    {"moved_to_problem_id", problem_id}});
  }
  changes.record(tx, "problem.case_linked", subject_of(problem_id), actor.id,
                 {{"case_id", case_id},
                  {"case_number", linked.at("number")},
                  {"previous_problem_id", previous}});
  return {{"problem_id", problem_id},
          {"case", *CaseService::load(tx, case_id)},
          {"changed", true},
          {"previous_problem_id", previous}};
}

nlohmann::json ProblemService::unlink_case(std::int64_t problem_id, std::int64_t case_id,
                                           const Actor& actor) {
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    lock_problem(tx, context_, problem_id);
    nlohmann::json linked = lock_case(tx, context_, case_id);
    const auto& current = linked.at("problem_id");
    if (!current.is_number() || current.get<std::int64_t>() != problem_id) {
      result = {{"problem_id", problem_id},
                {"case", *CaseService::load(tx, case_id)},
                {"changed", false}};
      return;
    }
    update_row(tx, "cases", "id", case_id,
               {{"problem_id", nullptr},
                {"revision", linked.at("revision").get<std::int64_t>() + 1},
                {"updated_at", now_rfc3339()}});
    changes.record(tx, "problem.case_unlinked", subject_of(problem_id), actor.id,
                   {{"case_id", case_id}, {"case_number", linked.at("number")}});
    result = {
        {"problem_id", problem_id}, {"case", *CaseService::load(tx, case_id)}, {"changed", true}};
  });
  changes.publish(context_);
  return result;
}

Impact ProblemService::impact(std::int64_t id) const {
  Impact result;
  context_.db.read([&](soci::session& session) {
    auto problem = load(session, id);
    if (!problem) throw missing_problem(id);
    result = compute_impact(session, id, AffectedScope::from_json(problem->at("scope"), "/scope"),
                            problem->at("severity").get<std::string>());
  });
  return result;
}

std::vector<std::int64_t> ProblemService::likely_affected(std::int64_t id,
                                                          std::int64_t after_customer_id,
                                                          int limit) const {
  std::vector<std::int64_t> result;
  context_.db.read([&](soci::session& session) {
    auto problem = load(session, id);
    if (!problem) throw missing_problem(id);
    result = likely_affected_customers(session, id,
                                       AffectedScope::from_json(problem->at("scope"), "/scope"),
                                       after_customer_id, limit);
  });
  return result;
}

}  // namespace cxloop::workflow

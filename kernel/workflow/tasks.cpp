#include "workflow/tasks.hpp"

#include <cstdio>
#include <set>

#include <soci/soci.h>

#include "repository/database.hpp"
#include "repository/migrations.hpp"
#include "repository/outbox.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/problems.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/state_machines.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns =
    "id, number, problem_id, department_id, connector_instance, title, description, due_at, "
    "external_ref, external_url, status, overdue, push_error, last_sync_at, opened_at, "
    "closed_at, escalated_at, revision, created_at, updated_at";
const std::set<std::string> kCreateFields = {"department_id", "title", "description", "due_at"};
const std::set<std::string> kUpdateFields = {"title", "description", "due_at"};
const std::set<std::string> kUnfinished = {"queued", "open", "in_progress"};
// Problems that can take department work: not before the problem is accepted, not once its
// fix is out (a recurrence reopens that).
const std::vector<std::string> kTaskableProblemStates = {"investigating", "solution_agreed",
                                                         "fix_in_progress", "recurring"};

const Actor kSystem{"system", "system"};

std::string problem_subject(std::int64_t problem_id) {
  return "problem:" + std::to_string(problem_id);
}

std::optional<nlohmann::json> load(soci::session& session, std::int64_t id,
                                   const std::string& lock = "") {
  return select_one(session,
                    std::string("SELECT ") + kColumns + " FROM tasks WHERE id = :id" + lock, id, {},
                    {"overdue"});
}

DomainError missing_task(std::int64_t id) {
  return DomainError(ErrorKind::not_found, "task " + std::to_string(id) + " does not exist");
}

nlohmann::json lock_task(soci::session& tx, const WorkflowContext& context, std::int64_t id) {
  auto found = load(tx, id, row_lock(context));
  if (!found) throw missing_task(id);
  return *found;
}

std::string text_of(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::optional<std::string> due_date(const nlohmann::json& in) {
  auto text = optional_text(in, "due_at", 40);
  if (!text) return std::nullopt;
  auto canonical = canonical_timestamp(*text);
  if (!canonical) {
    throw DomainError(ErrorKind::invalid,
                      "due_at '" + *text +
                          "' is not a date; send YYYY-MM-DD or an RFC 3339 time such as "
                          "2026-12-01T17:00:00Z",
                      "/due_at");
  }
  if (*canonical <= now_rfc3339()) {
    throw DomainError(ErrorKind::invalid,
                      "due_at " + *canonical + " is in the past; send a future date", "/due_at");
  }
  return canonical;
}

// What a connector receives: the task with the problem and department it belongs to.
nlohmann::json task_document(soci::session& tx, const nlohmann::json& task) {
  nlohmann::json problem =
      *select_one(tx,
                  "SELECT id, number, title, description, root_cause, severity, scope FROM "
                  "problems WHERE id = :id",
                  task.at("problem_id").get<std::int64_t>(), {"scope"});
  nlohmann::json department =
      *select_one(tx, "SELECT id, name, connector_settings FROM departments WHERE id = :id",
                  task.at("department_id").get<std::int64_t>(), {"connector_settings"});
  nlohmann::json doc = task;
  doc["problem"] = problem;
  doc["department"] = {{"id", department.at("id")},
                       {"name", department.at("name")},
                       {"settings", department.at("connector_settings")}};
  return doc;
}

// Sends a change made in cxloop to the department system, when the task lives there.
void enqueue_update(soci::session& tx, const nlohmann::json& task, const nlohmann::json& change,
                    const std::string& key_suffix) {
  const std::string instance = text_of(task.at("connector_instance"));
  if (instance.empty()) return;
  nlohmann::json payload = {{"task", task_document(tx, task)}, {"change", change}};
  repository::Outbox::enqueue(
      tx, instance, "update", payload.dump(),
      "task:" + std::to_string(task.at("id").get<std::int64_t>()) + ":update:" + key_suffix);
}

std::int64_t add_history(soci::session& tx, std::int64_t task_id, const nlohmann::json& from,
                         const std::string& to, const std::string& note, const Actor& actor,
                         const std::string& now) {
  return insert_returning_id(
      tx, "task_history",
      {{"task_id", task_id},
       {"from_status", from.is_string() ? SqlValue(from.get<std::string>()) : SqlValue(nullptr)},
       {"to_status", to},
       {"note", note},
       {"actor", actor.id},
       {"at", now}});
}

void set_problem_state(soci::session& tx, ChangeEvents& changes, const nlohmann::json& problem,
                       const std::string& to, const std::string& reason) {
  const std::int64_t id = problem.at("id").get<std::int64_t>();
  const std::string now = now_rfc3339();
  const std::int64_t revision = problem.at("revision").get<std::int64_t>() + 1;
  SqlFields fields = {{"state", to}, {"revision", revision}, {"updated_at", now}};
  if (to == "fix_delivered") fields.emplace_back("fix_delivered_at", now);
  update_row(tx, "problems", "id", id, fields);
  changes.record(
      tx, "problem.state_changed", problem_subject(id), kSystem.id,
      {{"before", {{"state", problem.at("state")}, {"revision", problem.at("revision")}}},
       {"after", {{"state", to}, {"revision", revision}}},
       {"reason", reason}});
}

// The problem follows its tasks: fix_in_progress once a task has opened, fix_delivered once
// the solution is agreed and every task that was not rejected is done.
void advance_problem(soci::session& tx, const WorkflowContext& context, ChangeEvents& changes,
                     std::int64_t problem_id) {
  auto problem = select_one(
      tx, "SELECT id, number, state, revision FROM problems WHERE id = :id" + row_lock(context),
      problem_id);
  if (!problem) return;
  int started = 0, unfinished = 0, done = 0;
  for (const auto& row :
       SqlQuery("SELECT status FROM tasks").where("problem_id = $", problem_id).rows(tx)) {
    const std::string status = row.at("status").get<std::string>();
    if (status != "queued" && status != "rejected") ++started;
    if (kUnfinished.count(status)) ++unfinished;
    if (status == "done") ++done;
  }
  std::string state = problem->at("state").get<std::string>();
  if (started > 0 &&
      (state == "investigating" || state == "solution_agreed" || state == "recurring")) {
    set_problem_state(tx, changes, *problem, "fix_in_progress", "a department task has opened");
    problem = select_one(tx, "SELECT id, number, state, revision FROM problems WHERE id = :id",
                         problem_id);
    state = "fix_in_progress";
  }
  if (state != "fix_in_progress" || unfinished > 0 || done == 0) return;
  auto solution =
      select_one(tx, "SELECT agreed_at FROM solutions WHERE problem_id = :id", problem_id);
  if (!solution || solution->at("agreed_at").is_null()) return;
  set_problem_state(tx, changes, *problem, "fix_delivered",
                    "the solution is agreed and every department task is done");
}

// Moves a locked task to `to`, with history and an event on the problem's timeline.
nlohmann::json apply_status(soci::session& tx, const WorkflowContext& context,
                            ChangeEvents& changes, const nlohmann::json& task,
                            const std::string& to, const std::string& note, const Actor& actor,
                            const std::string& source) {
  const std::int64_t id = task.at("id").get<std::int64_t>();
  const std::string from = task.at("status").get<std::string>();
  task_lifecycle().require(from, to);
  const std::string now = now_rfc3339();
  SqlFields fields = {{"status", to},
                      {"revision", task.at("revision").get<std::int64_t>() + 1},
                      {"updated_at", now}};
  if (from == "queued" && task.at("opened_at").is_null()) fields.emplace_back("opened_at", now);
  if (to == "done" || to == "rejected") fields.emplace_back("closed_at", now);
  if (to == "open" || to == "in_progress") fields.emplace_back("closed_at", nullptr);
  update_row(tx, "tasks", "id", id, fields);
  add_history(tx, id, task.at("status"), to, note, actor, now);
  const std::int64_t problem_id = task.at("problem_id").get<std::int64_t>();
  nlohmann::json after = *load(tx, id);
  changes.record(tx, "task.status_changed", problem_subject(problem_id), actor.id,
                 {{"task_id", id},
                  {"number", task.at("number")},
                  {"department_id", task.at("department_id")},
                  {"before", {{"status", from}}},
                  {"after", {{"status", to}}},
                  {"note", note},
                  {"source", source},
                  {"created_at", task.at("created_at")},
                  {"closed_at", after.at("closed_at")}});
  advance_problem(tx, context, changes, problem_id);
  return after;
}

// Stores a comment once per (task, external id); returns false for one already stored.
bool store_comment(soci::session& tx, ChangeEvents& changes, const nlohmann::json& task,
                   const std::string& external_id, const std::string& author,
                   const std::string& body, const std::string& at, const std::string& source,
                   const std::string& actor) {
  const std::int64_t id = task.at("id").get<std::int64_t>();
  auto existing = SqlQuery("SELECT id FROM task_comments")
                      .where("task_id = $", id)
                      .where("external_id = $", external_id)
                      .rows(tx);
  if (!existing.empty()) return false;
  const std::string now = now_rfc3339();
  const std::int64_t comment_id = insert_returning_id(tx, "task_comments",
                                                      {{"task_id", id},
                                                       {"external_id", external_id},
                                                       {"author", author},
                                                       {"body", body},
                                                       {"source", source},
                                                       {"at", at.empty() ? now : at},
                                                       {"created_at", now}});
  changes.record(tx, "task.comment", problem_subject(task.at("problem_id").get<std::int64_t>()),
                 actor,
                 {{"task_id", id},
                  {"number", task.at("number")},
                  {"comment_id", comment_id},
                  {"author", author},
                  {"body", body},
                  {"source", source}});
  return true;
}

// Queues an escalation notification to a department's escalation contact through the
// notifier it names (the caller has checked there is one). extra adds fields (the task).
void notify_escalation_contact(soci::session& tx, const nlohmann::json& contact,
                               const std::string& notifier, const nlohmann::json& default_name,
                               const std::string& subject, const std::string& text,
                               const nlohmann::json& problem, const nlohmann::json& extra,
                               const std::string& key) {
  nlohmann::json recipient = {{"name", contact.value("name", default_name)}};
  if (contact.contains("email")) recipient["email"] = contact.at("email");
  if (contact.contains("phone")) recipient["phone"] = contact.at("phone");
  nlohmann::json notification = {{"kind", "escalation"},
                                 {"channel", notifier},
                                 {"recipient", recipient},
                                 {"subject", subject},
                                 {"text", text},
                                 {"problem",
                                  {{"id", problem.at("id")},
                                   {"number", problem.at("number")},
                                   {"title", problem.at("title")},
                                   {"scope", problem.at("scope")}}}};
  notification.update(extra);
  repository::Outbox::enqueue(tx, notifier, "send", notification.dump(), key);
}

std::vector<std::string> status_list(const nlohmann::json& q) {
  std::vector<std::string> out;
  auto text = optional_text(q, "status", 200);
  if (!text) return out;
  std::string item;
  for (char c : *text + ",") {
    if (c != ',') {
      item += c;
      continue;
    }
    item = trim(item);
    if (!item.empty()) {
      if (!task_lifecycle().has_state(item)) {
        throw DomainError(ErrorKind::invalid,
                          "status '" + item + "' is not a task status; use " +
                              join(task_lifecycle().states, ", "),
                          "/status");
      }
      out.push_back(item);
    }
    item.clear();
  }
  return out;
}

}  // namespace

nlohmann::json ExternalSync::to_json() const {
  return {{"statuses_applied", statuses_applied},
          {"comments_added", comments_added},
          {"unknown_refs", unknown_refs},
          {"refused", refused}};
}

std::string TaskService::number_for(std::int64_t id) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "TSK-%06lld", static_cast<long long>(id));
  return buffer;
}

nlohmann::json TaskService::create(std::int64_t problem_id, const nlohmann::json& in,
                                   const Actor& actor) {
  require_object(in, kCreateFields, "task");
  auto department_id = optional_id(in, "department_id");
  if (!department_id) {
    throw DomainError(ErrorKind::invalid, "send 'department_id': the department that owns the fix",
                      "/department_id");
  }
  const std::string title = required_text(in, "title", 300);
  const std::string description = optional_text(in, "description", 20000).value_or("");
  const std::optional<std::string> due = due_date(in);
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto problem = select_one(
        tx,
        "SELECT id, number, state, department_id FROM problems WHERE id = :id" + row_lock(context_),
        problem_id);
    if (!problem) {
      throw DomainError(ErrorKind::not_found,
                        "problem " + std::to_string(problem_id) + " does not exist");
    }
    const std::string state = problem->at("state").get<std::string>();
    bool taskable = false;
    for (const auto& s : kTaskableProblemStates) taskable = taskable || s == state;
    if (!taskable) {
      throw DomainError(ErrorKind::conflict,
                        "problem " + problem->at("number").get<std::string>() + " is " + state +
                            "; tasks can be routed while it is " +
                            join(kTaskableProblemStates, ", "),
                        "/state");
    }
    auto department = select_one(
        tx, "SELECT id, name, connector_instance, ola_hours FROM departments WHERE id = :id",
        *department_id);
    if (!department) {
      throw DomainError(ErrorKind::invalid,
                        "department " + std::to_string(*department_id) +
                            " does not exist; GET /api/v1/departments lists them",
                        "/department_id");
    }
    const std::string now = now_rfc3339();
    const std::string due_at =
        due ? *due
            : add_hours(now, static_cast<long>(department->at("ola_hours").get<std::int64_t>()));
    const std::string instance = text_of(department->at("connector_instance"));
    const std::int64_t id = insert_returning_id(
        tx, "tasks",
        {{"problem_id", problem_id},
         {"department_id", *department_id},
         {"connector_instance", instance.empty() ? SqlValue(nullptr) : SqlValue(instance)},
         {"title", title},
         {"description", description},
         {"due_at", due_at},
         {"status", std::string("queued")},
         {"created_at", now},
         {"updated_at", now}});
    update_row(tx, "tasks", "id", id, {{"number", number_for(id)}});
    add_history(tx, id, nullptr, "queued", "created", actor, now);
    if (problem->at("department_id").is_null()) {
      update_row(tx, "problems", "id", problem_id,
                 {{"department_id", *department_id}, {"updated_at", now}});
    }
    result = *load(tx, id);
    if (!instance.empty()) {
      repository::Outbox::enqueue(tx, instance, "push", task_document(tx, result).dump(),
                                  "task:" + std::to_string(id) + ":push");
    }
    changes.record(tx, "task.created", problem_subject(problem_id), actor.id,
                   {{"task_id", id}, {"after", result}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json TaskService::get(std::int64_t id) const {
  std::optional<nlohmann::json> found;
  context_.db.read([&](soci::session& session) { found = load(session, id); });
  if (!found) throw missing_task(id);
  return *found;
}

nlohmann::json TaskService::find_by_number(const std::string& number) const {
  std::vector<nlohmann::json> rows;
  context_.db.read([&](soci::session& session) {
    rows = SqlQuery(std::string("SELECT ") + kColumns + " FROM tasks")
               .where("number = $", trim(number))
               .rows(session, {}, {"overdue"});
  });
  if (rows.empty()) {
    throw DomainError(ErrorKind::not_found,
                      "no task has number '" + number + "'; numbers look like TSK-000012");
  }
  return rows.front();
}

Page TaskService::list(const nlohmann::json& query) const {
  nlohmann::json q = query.is_null() ? nlohmann::json::object() : query;
  require_object(q,
                 {"problem_id", "department_id", "status", "overdue", "connector_instance",
                  "cursor", "limit", "count"},
                 "task list query");
  auto problem = optional_id(q, "problem_id");
  auto department = optional_id(q, "department_id");
  auto statuses = status_list(q);
  auto overdue = optional_bool(q, "overdue");
  auto instance = optional_text(q, "connector_instance", 200);
  PageRequest request = PageRequest::from_json(q);
  Page page;
  context_.db.read([&](soci::session& session) {
    page = fetch_page(session, kColumns, "tasks", "",
                      [&](SqlQuery& sql) {
                        if (problem) sql.where("problem_id = $", *problem);
                        if (department) sql.where("department_id = $", *department);
                        sql.where_in("status", statuses);
                        if (overdue) sql.where("overdue = $", std::int64_t{*overdue ? 1 : 0});
                        if (instance) sql.where("connector_instance = $", *instance);
                      },
                      request, {}, {"overdue"});
  });
  return page;
}

nlohmann::json TaskService::update(std::int64_t id, const nlohmann::json& in,
                                   std::optional<std::int64_t> expected_revision,
                                   const Actor& actor) {
  require_object(in, kUpdateFields, "task");
  SqlFields fields;
  nlohmann::json change = nlohmann::json::object();
  if (in.contains("title")) {
    fields.emplace_back("title", required_text(in, "title", 300));
    change["title"] = in.at("title");
  }
  if (in.contains("description")) {
    fields.emplace_back("description", optional_text(in, "description", 20000).value_or(""));
    change["description"] = in.at("description");
  }
  std::optional<std::string> due;
  if (in.contains("due_at")) {
    due = due_date(in);
    if (!due)
      throw DomainError(ErrorKind::invalid, "due_at cannot be removed; send a date", "/due_at");
    fields.emplace_back("due_at", *due);
    // A task given more time may escalate again when the new date passes.
    fields.emplace_back("overdue", std::int64_t{0});
    fields.emplace_back("escalated_at", nullptr);
    change["due_at"] = *due;
  }
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    nlohmann::json before = lock_task(tx, context_, id);
    require_revision(before, expected_revision, "task " + before.at("number").get<std::string>());
    const std::string now = now_rfc3339();
    SqlFields row = fields;
    const std::int64_t revision = before.at("revision").get<std::int64_t>() + 1;
    row.emplace_back("revision", revision);
    row.emplace_back("updated_at", now);
    update_row(tx, "tasks", "id", id, row);
    result = *load(tx, id);
    if (!change.empty()) enqueue_update(tx, result, change, "r" + std::to_string(revision));
    changes.record(tx, "task.updated", problem_subject(before.at("problem_id").get<std::int64_t>()),
                   actor.id, {{"task_id", id}, {"before", before}, {"after", result}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json TaskService::transition(std::int64_t id, const std::string& to,
                                       const std::string& note,
                                       std::optional<std::int64_t> expected_revision,
                                       const Actor& actor) {
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    nlohmann::json before = lock_task(tx, context_, id);
    require_revision(before, expected_revision, "task " + before.at("number").get<std::string>());
    result = apply_status(tx, context_, changes, before, to, note, actor, "api");
    nlohmann::json change = {{"status", to}};
    if (!note.empty()) change["comment"] = note;
    enqueue_update(tx, result, change,
                   "r" + std::to_string(result.at("revision").get<std::int64_t>()));
  });
  changes.publish(context_);
  return result;
}

nlohmann::json TaskService::add_comment(std::int64_t id, const std::string& body,
                                        const Actor& actor) {
  const std::string text = trim(body);
  if (text.empty()) throw DomainError(ErrorKind::invalid, "send a non-empty 'body'", "/body");
  if (text.size() > 20000) {
    throw DomainError(ErrorKind::invalid, "body is longer than 20000 bytes; shorten it", "/body");
  }
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    nlohmann::json task = lock_task(tx, context_, id);
    // Comments written in cxloop get an id of their own kind, so they never collide with ids
    // from the department system.
    const std::int64_t count =
        SqlQuery("SELECT count(*) FROM task_comments").where("task_id = $", id).scalar(tx);
    const std::string external_id = "cxloop:" + std::to_string(count + 1);
    store_comment(tx, changes, task, external_id, actor.id, text, "", "api", actor.id);
    enqueue_update(tx, task, {{"comment", text}}, external_id);
    result = {{"task_id", id}, {"external_id", external_id}, {"body", text}, {"author", actor.id}};
  });
  changes.publish(context_);
  return result;
}

nlohmann::json TaskService::history(std::int64_t id) const {
  nlohmann::json out;
  context_.db.read([&](soci::session& session) {
    if (!load(session, id)) throw missing_task(id);
    out["history"] =
        SqlQuery("SELECT id, from_status, to_status, note, actor, at FROM task_history")
            .where("task_id = $", id)
            .text(" ORDER BY id")
            .rows(session);
    out["comments"] =
        SqlQuery("SELECT id, external_id, author, body, source, at FROM task_comments")
            .where("task_id = $", id)
            .text(" ORDER BY id")
            .rows(session);
  });
  return out;
}

void TaskService::record_push(std::int64_t id, const nlohmann::json& answer) {
  if (!answer.is_object() || !answer.contains("external_ref") ||
      !(answer.at("external_ref").is_string() || answer.at("external_ref").is_number()) ||
      (answer.at("external_ref").is_string() &&
       answer.at("external_ref").get<std::string>().empty())) {
    throw DomainError(ErrorKind::invalid,
                      "the connector's answer to push must carry a non-empty 'external_ref'",
                      "/external_ref");
  }
  const std::string ref = answer.at("external_ref").is_string()
                              ? answer.at("external_ref").get<std::string>()
                              : answer.at("external_ref").dump();
  ChangeEvents changes;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    nlohmann::json task = lock_task(tx, context_, id);
    if (text_of(task.at("external_ref")) == ref) return;  // a repeated push: nothing new
    const std::string now = now_rfc3339();
    SqlFields fields = {
        {"external_ref", ref}, {"push_error", nullptr}, {"last_sync_at", now}, {"updated_at", now}};
    if (answer.contains("url") && answer.at("url").is_string()) {
      fields.emplace_back("external_url", answer.at("url").get<std::string>());
    }
    update_row(tx, "tasks", "id", id, fields);
    task = *load(tx, id);
    const Actor connector{"plugin:" + text_of(task.at("connector_instance")), "plugin"};
    changes.record(tx, "task.pushed", problem_subject(task.at("problem_id").get<std::int64_t>()),
                   connector.id,
                   {{"task_id", id}, {"number", task.at("number")}, {"external_ref", ref}});
    std::string to = answer.contains("status") && answer.at("status").is_string()
                         ? answer.at("status").get<std::string>()
                         : std::string("open");
    if (!task_lifecycle().has_state(to)) to = "open";
    if (task.at("status") == "queued" && to != "queued") {
      apply_status(tx, context_, changes, task, to, "created in the department system as " + ref,
                   connector, "push");
    }
  });
  changes.publish(context_);
}

void TaskService::record_push_failure(std::int64_t id, const std::string& error) {
  context_.db.write([&](soci::session& tx) {
    if (!load(tx, id)) return;
    update_row(tx, "tasks", "id", id, {{"push_error", error}, {"updated_at", now_rfc3339()}});
  });
}

ExternalSync TaskService::apply_external(const std::string& instance,
                                         const nlohmann::json& changes_in,
                                         const std::string& source) {
  if (!changes_in.is_array()) {
    throw DomainError(ErrorKind::invalid, "connector changes must be an array", "/changes");
  }
  ExternalSync sync;
  ChangeEvents changes;
  const Actor connector{"plugin:" + instance, "plugin"};
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    sync = ExternalSync{};
    for (const auto& change : changes_in) {
      if (!change.is_object() || !change.contains("external_ref")) {
        sync.refused.push_back("a change without 'external_ref' was ignored");
        continue;
      }
      const nlohmann::json& ref_value = change.at("external_ref");
      const std::string ref =
          ref_value.is_string() ? ref_value.get<std::string>() : ref_value.dump();
      auto rows = SqlQuery("SELECT id FROM tasks")
                      .where("connector_instance = $", instance)
                      .where("external_ref = $", ref)
                      .rows(tx);
      if (rows.empty()) {
        sync.unknown_refs.push_back(ref);
        continue;
      }
      const std::int64_t id = rows.front().at("id").get<std::int64_t>();
      nlohmann::json task = lock_task(tx, context_, id);
      std::vector<nlohmann::json> comments;
      if (change.contains("comment") && change.at("comment").is_object()) {
        comments.push_back(change.at("comment"));
      }
      if (change.contains("comments") && change.at("comments").is_array()) {
        for (const auto& c : change.at("comments")) comments.push_back(c);
      }
      for (const auto& c : comments) {
        const std::string body =
            c.is_object() ? trim(text_of(c.value("body", nlohmann::json()))) : "";
        if (body.empty()) {
          sync.refused.push_back(ref + ": a comment without a body was ignored");
          continue;
        }
        nlohmann::json cid = c.value("id", nlohmann::json());
        const std::string external_id = cid.is_string()   ? cid.get<std::string>()
                                        : cid.is_number() ? cid.dump()
                                                          : repository::sha256_hex(body);
        if (store_comment(tx, changes, task, external_id,
                          text_of(c.value("author", nlohmann::json())), body,
                          text_of(c.value("at", nlohmann::json())), source, connector.id)) {
          ++sync.comments_added;
        }
      }
      if (change.contains("status") && change.at("status").is_string()) {
        const std::string to = change.at("status").get<std::string>();
        const std::string from = task.at("status").get<std::string>();
        if (!task_lifecycle().has_state(to)) {
          sync.refused.push_back(ref + ": '" + to + "' is not a task status");
        } else if (to != from) {
          if (!task_lifecycle().allows(from, to)) {
            sync.refused.push_back(ref + ": " + from + " cannot move to " + to);
          } else {
            apply_status(tx, context_, changes, task, to, "reported by " + instance, connector,
                         source);
            ++sync.statuses_applied;
          }
        }
      }
      update_row(tx, "tasks", "id", id, {{"last_sync_at", now_rfc3339()}});
    }
  });
  changes.publish(context_);
  return sync;
}

std::vector<std::string> TaskService::pollable_refs(const std::string& instance, int limit) const {
  std::vector<std::string> refs;
  const std::string recent = add_hours(now_rfc3339(), -24);
  context_.db.read([&](soci::session& session) {
    SqlQuery sql("SELECT external_ref FROM tasks");
    sql.where("connector_instance = $", instance);
    sql.where("external_ref IS NOT NULL");
    sql.text(" AND (status IN ('queued', 'open', 'in_progress') OR closed_at > " +
             sql.bind(recent) + ")");
    sql.text(" ORDER BY last_sync_at, id LIMIT " + std::to_string(limit));
    for (const auto& row : sql.rows(session))
      refs.push_back(row.at("external_ref").get<std::string>());
  });
  return refs;
}

std::vector<std::int64_t> TaskService::escalate_overdue() {
  const std::string now = now_rfc3339();
  std::vector<nlohmann::json> due;
  context_.db.read([&](soci::session& session) {
    SqlQuery sql(std::string("SELECT ") + kColumns + " FROM tasks");
    sql.where("status IN ('queued', 'open', 'in_progress')");
    sql.where("overdue = 0");
    sql.where("due_at IS NOT NULL");
    sql.where("due_at < $", now);
    sql.text(" ORDER BY due_at, id LIMIT 500");
    due = sql.rows(session, {}, {"overdue"});
  });
  std::vector<std::int64_t> escalated;
  for (const auto& candidate : due) {
    const std::int64_t id = candidate.at("id").get<std::int64_t>();
    ChangeEvents changes;
    bool done = false;
    context_.db.write([&](soci::session& tx) {
      changes.clear();
      done = false;
      nlohmann::json task = lock_task(tx, context_, id);
      // Re-checked under the lock: another node, or an update, may have got here first.
      if (task.at("overdue").get<bool>() ||
          !kUnfinished.count(task.at("status").get<std::string>()) ||
          !task.at("due_at").is_string() || task.at("due_at").get<std::string>() >= now) {
        return;
      }
      update_row(tx, "tasks", "id", id, {{"overdue", std::int64_t{1}}, {"escalated_at", now}});
      auto department =
          *select_one(tx, "SELECT id, name, escalation_contact FROM departments WHERE id = :id",
                      task.at("department_id").get<std::int64_t>(), {"escalation_contact"});
      auto problem = *select_one(tx, "SELECT id, number, title, scope FROM problems WHERE id = :id",
                                 task.at("problem_id").get<std::int64_t>(), {"scope"});
      const nlohmann::json& contact = department.at("escalation_contact");
      const std::string notifier =
          contact.is_object() ? text_of(contact.value("notifier", nlohmann::json())) : "";
      nlohmann::json data = {
          {"task_id", id},
          {"number", task.at("number")},
          {"department_id", department.at("id")},
          {"department", department.at("name")},
          {"due_at", task.at("due_at")},
          {"status", task.at("status")},
          {"notifier", notifier.empty() ? nlohmann::json() : nlohmann::json(notifier)}};
      if (notifier.empty()) {
        data["notified"] = false;
        data["reason"] =
            "department '" + department.at("name").get<std::string>() +
            "' has no escalation_contact.notifier; set one so escalations reach a person";
      } else {
        const std::string subject = "Overdue: " + task.at("number").get<std::string>() + " " +
                                    task.at("title").get<std::string>();
        const std::string text =
            "Task " + task.at("number").get<std::string>() + " (\"" +
            task.at("title").get<std::string>() + "\") for problem " +
            problem.at("number").get<std::string>() + " (\"" +
            problem.at("title").get<std::string>() + "\") was due at " +
            task.at("due_at").get<std::string>() + " and is still " +
            task.at("status").get<std::string>() + ".\n" +
            (task.at("external_ref").is_string()
                 ? "Reference in your system: " + task.at("external_ref").get<std::string>() + "\n"
                 : std::string());
        notify_escalation_contact(
            tx, contact, notifier, department.at("name"), subject, text, problem,
            {{"task", {{"id", id}, {"number", task.at("number")}, {"due_at", task.at("due_at")}}}},
            "task:" + std::to_string(id) + ":escalation:" + task.at("due_at").get<std::string>());
        data["notified"] = true;
      }
      changes.record(tx, "escalation", problem_subject(task.at("problem_id").get<std::int64_t>()),
                     kSystem.id, data);
      done = true;
    });
    changes.publish(context_);
    if (done) escalated.push_back(id);
  }
  return escalated;
}

bool TaskService::escalate_recurrence(std::int64_t problem_id, std::int64_t event_id,
                                      const nlohmann::json& figures) {
  ChangeEvents changes;
  bool notified = false;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    notified = false;
    auto problem = select_one(
        tx, "SELECT id, number, title, scope, department_id FROM problems WHERE id = :id",
        problem_id, {"scope"});
    if (!problem) return;
    nlohmann::json data = {
        {"problem_id", problem_id}, {"reason", "recurring"}, {"figures", figures}};
    std::string notifier;
    nlohmann::json contact = nlohmann::json::object();
    if (problem->at("department_id").is_number()) {
      auto department =
          select_one(tx, "SELECT id, name, escalation_contact FROM departments WHERE id = :id",
                     problem->at("department_id").get<std::int64_t>(), {"escalation_contact"});
      if (department && department->at("escalation_contact").is_object()) {
        contact = department->at("escalation_contact");
        notifier = text_of(contact.value("notifier", nlohmann::json()));
        data["department_id"] = department->at("id");
      }
    }
    if (notifier.empty()) {
      data["notified"] = false;
      data["reason_not_notified"] =
          "the problem has no owning department with an escalation_contact.notifier";
    } else {
      const std::string number = problem->at("number").get<std::string>();
      const std::string title = problem->at("title").get<std::string>();
      notify_escalation_contact(
          tx, contact, notifier, nlohmann::json("escalation contact"),
          "Recurring: " + number + " " + title,
          "The fix delivered for problem " + number + " (\"" + title +
              "\") has not stopped the contacts: " + figures.dump() + "\n",
          *problem, nlohmann::json::object(),
          "problem:" + std::to_string(problem_id) + ":recurring:" + std::to_string(event_id));
      data["notified"] = true;
      notified = true;
    }
    changes.record(tx, "escalation", problem_subject(problem_id), kSystem.id, data);
  });
  changes.publish(context_);
  return notified;
}

nlohmann::json TaskService::agree_solution(std::int64_t problem_id, const Actor& actor) {
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto problem = select_one(
        tx, "SELECT id, number, state, revision FROM problems WHERE id = :id" + row_lock(context_),
        problem_id);
    if (!problem) {
      throw DomainError(ErrorKind::not_found,
                        "problem " + std::to_string(problem_id) + " does not exist");
    }
    const std::string number = problem->at("number").get<std::string>();
    auto solution =
        select_one(tx, "SELECT agreed_at FROM solutions WHERE problem_id = :id", problem_id);
    if (!solution) {
      throw DomainError(
          ErrorKind::conflict,
          "problem " + number +
              " has no solution yet; record one (PUT .../solution) before agreeing it",
          "/solution");
    }
    const std::string state = problem->at("state").get<std::string>();
    const std::string now = now_rfc3339();
    if (state == "investigating") {
      update_row(tx, "problems", "id", problem_id,
                 {{"state", std::string("solution_agreed")},
                  {"revision", problem->at("revision").get<std::int64_t>() + 1},
                  {"updated_at", now}});
      changes.record(tx, "problem.state_changed", problem_subject(problem_id), actor.id,
                     {{"before", {{"state", state}, {"revision", problem->at("revision")}}},
                      {"after",
                       {{"state", "solution_agreed"},
                        {"revision", problem->at("revision").get<std::int64_t>() + 1}}}});
    } else if (state != "solution_agreed" && state != "fix_in_progress" && state != "recurring") {
      throw DomainError(ErrorKind::conflict,
                        "problem " + number + " is " + state +
                            "; a solution is agreed while the problem is investigating, "
                            "solution_agreed, fix_in_progress or recurring",
                        "/state");
    }
    if (solution->at("agreed_at").is_null()) {
      update_row(tx, "solutions", "problem_id", problem_id,
                 {{"agreed_at", now}, {"updated_at", now}});
      changes.record(tx, "solution.agreed", problem_subject(problem_id), actor.id,
                     {{"agreed_at", now}});
    }
    advance_problem(tx, context_, changes, problem_id);
    result = *ProblemService::load(tx, problem_id);
  });
  changes.publish(context_);
  return result;
}

}  // namespace cxloop::workflow

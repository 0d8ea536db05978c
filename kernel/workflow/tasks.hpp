// Department tasks: the fix of a problem routed to the department that owns it, pushed into
// that department's own system by its connector plugin and followed until it is done.
//
// Every change that must reach the department system (the push, a due date moved, a status or
// comment set in cxloop) is written to the outbox in the same transaction as the task, so a
// department system that is down delays tasks but never loses them, and HTTP threads never
// wait on it. Status flows back through connector callbacks and polling (apply_external).
//
// The problem follows its tasks: it moves to fix_in_progress when its first task opens, and to
// fix_delivered once its solution is agreed and every task that was not rejected is done.
//
// Record shape: {id, number: "TSK-000012", problem_id, department_id, connector_instance,
// title, description, due_at, external_ref, external_url, status, overdue, push_error,
// last_sync_at, opened_at, closed_at, escalated_at, revision, created_at, updated_at}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflow/cursor_page.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;

// What apply_external did with a batch of changes from one connector instance.
struct ExternalSync {
  int statuses_applied = 0;
  int comments_added = 0;
  std::vector<std::string> unknown_refs;  // references no task of the instance carries
  std::vector<std::string> refused;       // changes the task lifecycle does not allow, why
  nlohmann::json to_json() const;
};

class TaskService {
 public:
  explicit TaskService(WorkflowContext& context) : context_(context) {}

  // fields: department_id, title, description?, due_at? (default: now + department OLA).
  // The problem must be investigating, solution_agreed, fix_in_progress or recurring. A
  // problem without an owning department gets this task's department. When the department
  // has a connector instance, the push is enqueued in the same transaction.
  nlohmann::json create(std::int64_t problem_id, const nlohmann::json& fields, const Actor& actor);
  nlohmann::json get(std::int64_t id) const;
  nlohmann::json find_by_number(const std::string& number) const;
  // Filters: problem_id, department_id, status (comma-separated), overdue (true/false),
  // connector_instance, cursor, limit.
  Page list(const nlohmann::json& query) const;
  // fields: title?, description?, due_at?. A new due date in the future clears the overdue
  // mark (so the task can escalate again); the change is sent to the connector.
  nlohmann::json update(std::int64_t id, const nlohmann::json& fields,
                        std::optional<std::int64_t> expected_revision, const Actor& actor);
  // A status set in cxloop (an agent, or a department token for its own department); sent to
  // the connector as an update. note is kept in the history.
  nlohmann::json transition(std::int64_t id, const std::string& to, const std::string& note,
                            std::optional<std::int64_t> expected_revision, const Actor& actor);
  // A comment written in cxloop; added to the problem's timeline and sent to the connector.
  nlohmann::json add_comment(std::int64_t id, const std::string& body, const Actor& actor);
  // {"history": [...], "comments": [...]}, oldest first.
  nlohmann::json history(std::int64_t id) const;

  // The connector's answer to a push: {external_ref, status?, url?}. Idempotent: the same
  // reference again changes nothing, so a repeated push after a crash is harmless.
  void record_push(std::int64_t id, const nlohmann::json& answer);
  // A push the outbox gave up on: kept on the task (push_error) where people look.
  void record_push_failure(std::int64_t id, const std::string& error);
  // Changes reported by connector instance (callback or poll):
  // [{"external_ref", "status"?, "comment"?: {id, author, body, at?}, "comments"?: [...]}].
  ExternalSync apply_external(const std::string& instance, const nlohmann::json& changes,
                              const std::string& source);
  // The references of the instance's tasks that are still worth polling (not done or
  // rejected longer than a day ago), oldest sync first.
  std::vector<std::string> pollable_refs(const std::string& instance, int limit) const;

  // Marks tasks past their due date as overdue, raises an "escalation" event for each and
  // sends the department's escalation contact a notification through the notifier instance
  // it names. Returns the ids escalated. Uses the repository clock, so tests move time.
  std::vector<std::int64_t> escalate_overdue();

  // A delivered fix that did not stop the contacts (problem.recurring): raises an
  // "escalation" event on the problem and notifies the owning department's escalation
  // contact, once per recurrence (key: the event id). Returns whether a notification was
  // queued (false: no department or no notifier named, said in the event).
  bool escalate_recurrence(std::int64_t problem_id, std::int64_t event_id,
                           const nlohmann::json& figures);

  // Agrees the problem's solution where it stands (investigating moves to solution_agreed;
  // fix_in_progress and recurring keep their state), then delivers the fix if every task is
  // done. Returns the problem.
  nlohmann::json agree_solution(std::int64_t problem_id, const Actor& actor);

  static std::string number_for(std::int64_t id);

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

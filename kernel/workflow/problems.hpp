// Problems: the root cause behind many alike cases. A problem gathers its cases (a case
// belongs to at most one problem), carries the affected scope that sizes its impact, and
// moves through the problem lifecycle (state_machines.hpp) until its fix is verified.
//
// Record shape: {id, number: "PRB-000045", title, description, category, scope: {skus,
// batches, purchase_from, purchase_to, regions}, root_cause, department_id, priority,
// severity, state, revision, created_at, updated_at, root_cause_at, fix_delivered_at,
// verified_at}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "workflow/cursor_page.hpp"
#include "workflow/impact.hpp"
#include "workflow/operation_table.hpp"

namespace soci {
class session;
}

namespace cxloop::workflow {

struct WorkflowContext;
class ChangeEvents;

class ProblemService {
 public:
  explicit ProblemService(WorkflowContext& context) : context_(context) {}

  // fields: title, description?, category?, scope?, root_cause?, department_id?, priority?,
  // severity?. Starts in "proposed".
  nlohmann::json create(const nlohmann::json& fields, const Actor& actor);
  // The same fields; root_cause_at is stamped when a root cause is first recorded.
  nlohmann::json update(std::int64_t id, const nlohmann::json& fields,
                        std::optional<std::int64_t> expected_revision, const Actor& actor);
  // Along the problem lifecycle. Entering solution_agreed needs a solution on record (and
  // stamps its agreed_at); entering fix_in_progress needs an owning department.
  // Entering fix_delivered by hand needs an agreed solution and, while department tasks are
  // unfinished, a note saying why (kept in the audit event).
  nlohmann::json transition(std::int64_t id, const std::string& to,
                            std::optional<std::int64_t> expected_revision, const Actor& actor,
                            const std::string& note = "");
  nlohmann::json get(std::int64_t id) const;
  nlohmann::json find_by_number(const std::string& number) const;
  // Filters: state (comma-separated allowed), category, department_id, cursor, limit.
  Page list(const nlohmann::json& query) const;

  // Links a case. Linking it again is a no-op (no event); a case linked to another problem
  // is a conflict unless move is true. A closed problem takes no new cases.
  // Returns {problem_id, case, changed, previous_problem_id}.
  nlohmann::json link_case(std::int64_t problem_id, std::int64_t case_id, bool move,
                           const Actor& actor);
  // Returns {problem_id, case, changed}; unlinking a case that is not linked is a no-op.
  nlohmann::json unlink_case(std::int64_t problem_id, std::int64_t case_id, const Actor& actor);

  Impact impact(std::int64_t id) const;
  std::vector<std::int64_t> likely_affected(std::int64_t id, std::int64_t after_customer_id,
                                            int limit) const;

  // create and link_case inside a caller's write transaction tx, recording their events in
  // changes: accepting a suggestion creates a problem and links its cases all at once.
  static nlohmann::json create_in(soci::session& tx, const WorkflowContext& context,
                                  const nlohmann::json& fields, const Actor& actor,
                                  ChangeEvents& changes);
  static nlohmann::json link_case_in(soci::session& tx, const WorkflowContext& context,
                                     std::int64_t problem_id, std::int64_t case_id, bool move,
                                     const Actor& actor, ChangeEvents& changes);

  static std::optional<nlohmann::json> load(soci::session& session, std::int64_t id);
  static std::string number_for(std::int64_t id);

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

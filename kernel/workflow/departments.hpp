// Departments: the owners of real fixes (finance, manufacturing, shipping, documentation).
// Each names the connector plugin instance that pushes tasks into its own system, that
// connector's settings, its OLA (default time to finish a task) and whom to escalate to.
//
// Record shape: {id, name, connector_instance, connector_settings: {...}, ola_hours,
// escalation_contact: {...}, revision, created_at, updated_at}.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;

class DepartmentService {
 public:
  static constexpr std::int64_t kDefaultOlaHours = 72;

  explicit DepartmentService(WorkflowContext& context) : context_(context) {}

  // fields: name (unique), connector_instance?, connector_settings?, ola_hours? (1..8760,
  // default 72), escalation_contact?.
  nlohmann::json create(const nlohmann::json& fields, const Actor& actor);
  nlohmann::json update(std::int64_t id, const nlohmann::json& fields,
                        std::optional<std::int64_t> expected_revision, const Actor& actor);
  nlohmann::json get(std::int64_t id) const;
  // All departments by name (there are few).
  nlohmann::json list() const;
  // Refused (conflict) while problems, tasks or tokens refer to the department.
  void remove(std::int64_t id, const Actor& actor);

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

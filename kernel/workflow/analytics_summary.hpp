// The summary figures team leads read (GET /api/v1/analytics/summary and /metrics): contacts
// by channel, category and day; open problems by department and state; how long problems
// take to a root cause, to a fix and from the fix to the last customer told; and the
// contacts proactive advisories avoided. docs/analytics.md defines each figure.
#pragma once

#include <nlohmann/json.hpp>

namespace cxloop::workflow {

struct WorkflowContext;

class AnalyticsSummary {
 public:
  explicit AnalyticsSummary(WorkflowContext& context) : context_(context) {}

  // query: {from?, to?} as YYYY-MM-DD, both days included; by default the 30 days up to
  // today (repository::Clock). At most 366 days.
  nlohmann::json compute(const nlohmann::json& query) const;

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

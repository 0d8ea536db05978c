// The lean read of stored cases an analytics index is rebuilt from (host operation
// case.history): oldest first, in pages of up to 5,000, with only the fields a matcher
// uses and no total, so reading a million cases costs one index range scan, not a count
// per page.
#pragma once

#include <nlohmann/json.hpp>

namespace cxloop::workflow {

struct WorkflowContext;

class CaseHistory {
 public:
  explicit CaseHistory(WorkflowContext& context) : context_(context) {}

  // request: {created_from?, newest?, after?: {created_at, id}, limit? (1-5000, default
  // 1000)}. Cases created at or after created_from, ordered by (created_at, id); newest
  // starts the first page so that at most that many of the most recent cases are read (it
  // excludes after, which continues from where a page ended). Returns {items: [{id,
  // customer_id, channel, subject, description, category, sku, batch, problem_id,
  // created_at}], next: {created_at, id} | null}; next is null on the last page.
  nlohmann::json page(const nlohmann::json& request) const;

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

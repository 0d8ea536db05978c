// Solutions: what a problem's fix is, typed so the loop knows how to close it (a knowledge
// article for a cheap workaround, a recall or refund when the fault hits everyone).
// One solution per problem, revised in place until agreed.
//
// Record shape: {problem_id, type, summary, customer_message, article_id, agreed_at,
// revision, created_at, updated_at}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;

extern const std::vector<std::string> kSolutionTypes;  // knowledge_article workaround ...

class SolutionService {
 public:
  explicit SolutionService(WorkflowContext& context) : context_(context) {}

  // Creates or replaces the problem's solution. fields: type, summary, customer_message?,
  // article_id? (required for type knowledge_article). expected_revision, when given, must
  // match the stored solution's revision. A solution of a problem past solution_agreed can
  // still be corrected; the event log keeps every version.
  nlohmann::json put(std::int64_t problem_id, const nlohmann::json& fields,
                     std::optional<std::int64_t> expected_revision, const Actor& actor);
  // not_found when the problem has no solution yet.
  nlohmann::json get(std::int64_t problem_id) const;

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

// Suggestions: what analytics plugins propose and agents decide. A "problem" suggestion says
// that a cluster of alike cases may be one new problem (title, category, department and
// affected scope guessed from the cases, with the evidence); a "link" suggestion says that
// cases belong to an existing problem. Accepting one creates the problem and links the cases
// in one transaction; dismissing one is remembered under its signature, so the same cluster
// is not proposed again. The proposers' other inputs live here too: the signatures of known
// problems they match new cases against, and the matches they record.
//
// Record shape: {id, kind: "problem"|"link", signature, state: "open"|"accepted"|"dismissed",
// title, category, department, scope, case_ids: [...], evidence: {...}, problem_id,
// proposed_by, decided_by, decided_at, decision_note, revision, created_at, updated_at}.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "workflow/cursor_page.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;

class SuggestionService {
 public:
  explicit SuggestionService(WorkflowContext& context) : context_(context) {}

  // The host operation suggestion.propose (docs/host-operations.md). A new signature opens a
  // suggestion; an open one is updated with the new evidence and cases; a dismissed or
  // accepted one is left alone. Returns {id, state, created}.
  nlohmann::json propose(const nlohmann::json& request, const Actor& actor);
  nlohmann::json get(std::int64_t id) const;
  // Filters: state, kind, problem_id, cursor, limit. Newest first.
  Page list(const nlohmann::json& query) const;
  // overrides (problem suggestions only): title, description, category, scope, department_id,
  // severity. Cases already linked to another problem are reported, never moved. Returns
  // {suggestion, problem, linked_case_ids, already_linked_case_ids, not_linked: [{case_id,
  // reason, problem_id?}], notes: [...]}.
  nlohmann::json accept(std::int64_t id, const nlohmann::json& overrides, const Actor& actor);
  // body: {reason?}. Dismissing a dismissed suggestion again changes nothing.
  nlohmann::json dismiss(std::int64_t id, const nlohmann::json& body, const Actor& actor);

  // What proposers match new cases against (host operation problem.signatures): every
  // problem not closed, {problems: [{id, number, state, title, category, scope,
  // linked_case_ids, fix_delivered_at}]}.
  nlohmann::json problem_signatures() const;
  // A new case matching a known problem's signature (analytics.record_match {problem_id,
  // case_id, score}): kept once per problem and case, it counts as one of the problem's
  // contacts for trends and fix verification (problem_contacts.hpp). Returns {}.
  nlohmann::json record_match(const nlohmann::json& request, const Actor& actor);

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

// The lifecycles of cases and problems: which state may follow which. One table each, so
// the REST API, plugins and the docs all read the same rules.
//
// Case (new → open → pending → resolved → closed, reopen allowed):
//   new      → open, pending, resolved, closed   (closed: spam or duplicate contact)
//   open     → pending, resolved
//   pending  → open, resolved                    (customer answered / problem solved)
//   resolved → open, closed                      (open = reopen; clears resolved_at)
//   closed   → (final: a new contact opens a new case)
//
// Problem:
//   proposed        → investigating, closed      (closed: proposal rejected)
//   investigating   → solution_agreed, closed    (solution_agreed needs a solution on record)
//   investigating   → fix_in_progress            (a department task opened before the
//                                                 solution was agreed)
//   solution_agreed → fix_in_progress, investigating
//                                                (fix_in_progress needs an owning department)
//   fix_in_progress → fix_delivered, investigating
//   fix_delivered   → verified, recurring
//   verified        → closed, recurring
//   recurring       → investigating, fix_in_progress
//   closed          → (final)
//
// Task (queued → open → in_progress → done | rejected):
//   queued      → open, in_progress, done, rejected   (the department system's first answer
//                                                      may already be any of them)
//   open        → in_progress, done, rejected
//   in_progress → open, done, rejected
//   done        → open                                (reopened in the department's system)
//   rejected    → open
#pragma once

#include <string>
#include <vector>

namespace cxloop::workflow {

struct StateMachine {
  std::string name;  // "case" or "problem", for messages
  std::vector<std::string> states;
  std::vector<std::pair<std::string, std::string>> edges;

  bool has_state(const std::string& state) const;
  std::vector<std::string> targets(const std::string& from) const;
  bool allows(const std::string& from, const std::string& to) const;
  // Throws DomainError: invalid for an unknown target state ("/state"), conflict for an edge
  // not in the table, naming the states reachable from `from`.
  void require(const std::string& from, const std::string& to) const;
};

const StateMachine& case_lifecycle();
const StateMachine& problem_lifecycle();
const StateMachine& task_lifecycle();

}  // namespace cxloop::workflow

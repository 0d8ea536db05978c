#include "workflow/state_machines.hpp"

#include <algorithm>

#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"

namespace cxloop::workflow {

bool StateMachine::has_state(const std::string& state) const {
  return std::find(states.begin(), states.end(), state) != states.end();
}

std::vector<std::string> StateMachine::targets(const std::string& from) const {
  std::vector<std::string> out;
  for (const auto& edge : edges) {
    if (edge.first == from) out.push_back(edge.second);
  }
  return out;
}

bool StateMachine::allows(const std::string& from, const std::string& to) const {
  return std::find(edges.begin(), edges.end(), std::make_pair(from, to)) != edges.end();
}

void StateMachine::require(const std::string& from, const std::string& to) const {
  if (!has_state(to)) {
    throw DomainError(ErrorKind::invalid,
                      "'" + to + "' is not a " + name + " state; use one of: " + join(states, ", "),
                      "/state");
  }
  if (allows(from, to)) return;
  auto allowed = targets(from);
  throw DomainError(ErrorKind::conflict,
                    "a " + name + " in state '" + from + "' cannot move to '" + to + "'; " +
                        (allowed.empty() ? std::string("'" + from + "' is final")
                                         : "allowed next states: " + join(allowed, ", ")),
                    "/state");
}

const StateMachine& case_lifecycle() {
  static const StateMachine machine{"case",
                                    {"new", "open", "pending", "resolved", "closed"},
                                    {{"new", "open"},
                                     {"new", "pending"},
                                     {"new", "resolved"},
                                     {"new", "closed"},
                                     {"open", "pending"},
                                     {"open", "resolved"},
                                     {"pending", "open"},
                                     {"pending", "resolved"},
                                     {"resolved", "open"},
                                     {"resolved", "closed"}}};
  return machine;
}

const StateMachine& problem_lifecycle() {
  static const StateMachine machine{
      "problem",
      {"proposed", "investigating", "solution_agreed", "fix_in_progress", "fix_delivered",
       "verified", "recurring", "closed"},
      {{"proposed", "investigating"},
       {"proposed", "closed"},
       {"investigating", "solution_agreed"},
       {"investigating", "closed"},
       {"investigating", "fix_in_progress"},
       {"solution_agreed", "fix_in_progress"},
       {"solution_agreed", "investigating"},
       {"fix_in_progress", "fix_delivered"},
       {"fix_in_progress", "investigating"},
       {"fix_delivered", "verified"},
       {"fix_delivered", "recurring"},
       {"verified", "closed"},
       {"verified", "recurring"},
       {"recurring", "investigating"},
       {"recurring", "fix_in_progress"}}};
  return machine;
}

const StateMachine& task_lifecycle() {
  static const StateMachine machine{"task",
                                    {"queued", "open", "in_progress", "done", "rejected"},
                                    {{"queued", "open"},
                                     {"queued", "in_progress"},
                                     {"queued", "done"},
                                     {"queued", "rejected"},
                                     {"open", "in_progress"},
                                     {"open", "done"},
                                     {"open", "rejected"},
                                     {"in_progress", "open"},
                                     {"in_progress", "done"},
                                     {"in_progress", "rejected"},
                                     {"done", "open"},
                                     {"rejected", "open"}}};
  return machine;
}

}  // namespace cxloop::workflow

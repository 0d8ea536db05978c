#include <catch2/catch.hpp>

#include <set>

#include "workflow/domain_error.hpp"
#include "workflow/state_machines.hpp"

using cxloop::workflow::case_lifecycle;
using cxloop::workflow::DomainError;
using cxloop::workflow::ErrorKind;
using cxloop::workflow::problem_lifecycle;
using cxloop::workflow::task_lifecycle;
using cxloop::workflow::StateMachine;

namespace {

using Edges = std::set<std::pair<std::string, std::string>>;

// Written out independently of the implementation's table: the documented lifecycles.
const Edges kCaseEdges = {{"new", "open"},       {"new", "pending"},      {"new", "resolved"},
                          {"new", "closed"},     {"open", "pending"},     {"open", "resolved"},
                          {"pending", "open"},   {"pending", "resolved"}, {"resolved", "open"},
                          {"resolved", "closed"}};

const Edges kProblemEdges = {{"proposed", "investigating"},
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
                             {"recurring", "fix_in_progress"}};

const Edges kTaskEdges = {{"queued", "open"},      {"queued", "in_progress"},
                          {"queued", "done"},      {"queued", "rejected"},
                          {"open", "in_progress"}, {"open", "done"},
                          {"open", "rejected"},    {"in_progress", "open"},
                          {"in_progress", "done"}, {"in_progress", "rejected"},
                          {"done", "open"},        {"rejected", "open"}};

void check_every_pair(const StateMachine& machine, const Edges& expected) {
  for (const auto& from : machine.states) {
    for (const auto& to : machine.states) {
      bool allowed = expected.count({from, to}) != 0;
      INFO(machine.name << ": " << from << " -> " << to);
      CHECK(machine.allows(from, to) == allowed);
      if (allowed) {
        CHECK_NOTHROW(machine.require(from, to));
      } else {
        try {
          machine.require(from, to);
          FAIL("refused edge was accepted");
        } catch (const DomainError& error) {
          CHECK(error.kind() == ErrorKind::conflict);
          for (const auto& target : machine.targets(from)) {
            CHECK_THAT(error.what(), Catch::Contains(target));
          }
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("the case lifecycle allows exactly the documented edges and refuses every other pair") {
  check_every_pair(case_lifecycle(), kCaseEdges);
}

TEST_CASE(
    "the problem lifecycle allows exactly the documented edges and refuses every other pair") {
  check_every_pair(problem_lifecycle(), kProblemEdges);
}

TEST_CASE("the task lifecycle allows exactly the documented edges and refuses every other pair") {
  check_every_pair(task_lifecycle(), kTaskEdges);
}

TEST_CASE("a refused transition names the states allowed from the current one") {
  try {
    case_lifecycle().require("pending", "closed");
    FAIL("pending -> closed was accepted");
  } catch (const DomainError& error) {
    CHECK(std::string(error.what()) ==
          "a case in state 'pending' cannot move to 'closed'; allowed next states: open, resolved");
    CHECK(error.field() == "/state");
  }
}

TEST_CASE("a final state says it is final") {
  try {
    problem_lifecycle().require("closed", "investigating");
    FAIL("closed -> investigating was accepted");
  } catch (const DomainError& error) {
    CHECK_THAT(error.what(), Catch::Contains("'closed' is final"));
  }
}

TEST_CASE("an unknown target state is invalid input, not a conflict") {
  try {
    case_lifecycle().require("new", "reopened");
    FAIL("unknown state accepted");
  } catch (const DomainError& error) {
    CHECK(error.kind() == ErrorKind::invalid);
    CHECK_THAT(error.what(), Catch::Contains("new, open, pending, resolved, closed"));
  }
}

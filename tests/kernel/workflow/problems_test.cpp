#include "workflow_fixture.hpp"

#include "repository/event_log.hpp"
#include "workflow/state_machines.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

std::vector<std::string> event_types(WorkflowFixture& f, std::int64_t problem_id) {
  cxloop::repository::EventLog log(f.database.db());
  std::vector<std::string> types;
  for (const auto& event : log.for_subject("problem:" + std::to_string(problem_id), 0, 100)) {
    types.push_back(event.type);
  }
  return types;
}

}  // namespace

TEST_CASE("a problem starts proposed with a PRB number and a validated scope") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json problem =
      f.problems().create({{"title", "Kettle lids crack"},
                           {"scope", {{"skus", {"KET-1"}}, {"purchase_from", "2026-01-01"}}}},
                          f.agent);
  CHECK(problem.at("state") == "proposed");
  CHECK(problem.at("number") == "PRB-000001");
  CHECK(problem.at("scope").at("skus") == json::array({"KET-1"}));
  CHECK(problem.at("scope").at("purchase_from") == "2026-01-01");
  CHECK(f.problems().find_by_number("PRB-000001").at("id") == problem.at("id"));
  try {
    f.problems().create({{"title", "x"}, {"scope", {{"purchase_to", "2026-02-30"}}}}, f.agent);
    FAIL("impossible date accepted");
  } catch (const cxloop::workflow::DomainError& error) {
    CHECK(error.field() == "/scope/purchase_to");
  }
  CHECK(error_kind([&] {
          f.problems().create({{"title", "x"}, {"scope", {{"skus", "KET-1"}}}}, f.agent);
        }) == ErrorKind::invalid);
}

TEST_CASE("linking a case writes an event; linking it again is a no-op without one") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto problem =
      f.problems().create({{"title", "Lids crack"}}, f.agent).at("id").get<std::int64_t>();
  auto case_id = f.intake_id("ann@example.com");
  json linked = f.problems().link_case(problem, case_id, false, f.agent);
  CHECK(linked.at("changed") == true);
  CHECK(linked.at("case").at("problem_id") == problem);
  CHECK(linked.at("case").at("revision") == 2);
  json again = f.problems().link_case(problem, case_id, false, f.agent);
  CHECK(again.at("changed") == false);
  CHECK(again.at("case").at("revision") == 2);
  CHECK(event_types(f, problem) ==
        std::vector<std::string>{"problem.created", "problem.case_linked"});
}

TEST_CASE("a case linked to another problem moves only when asked to") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto first = f.problems().create({{"title", "A"}}, f.agent).at("id").get<std::int64_t>();
  auto second = f.problems().create({{"title", "B"}}, f.agent).at("id").get<std::int64_t>();
  auto case_id = f.intake_id("ann@example.com");
  f.problems().link_case(first, case_id, false, f.agent);
  CHECK_THAT(error_message([&] { f.problems().link_case(second, case_id, false, f.agent); }),
             Catch::Contains("send move: true"));
  CHECK(f.cases().get(case_id).at("problem_id") == first);

  json moved = f.problems().link_case(second, case_id, true, f.agent);
  CHECK(moved.at("previous_problem_id") == first);
  CHECK(f.cases().get(case_id).at("problem_id") == second);
  CHECK(event_types(f, first) == std::vector<std::string>{"problem.created", "problem.case_linked",
                                                          "problem.case_unlinked"});
  CHECK(event_types(f, second) ==
        std::vector<std::string>{"problem.created", "problem.case_linked"});
}

TEST_CASE("unlinking clears the link once and writes one event") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto problem = f.problems().create({{"title", "A"}}, f.agent).at("id").get<std::int64_t>();
  auto case_id = f.intake_id("ann@example.com");
  f.problems().link_case(problem, case_id, false, f.agent);
  CHECK(f.problems().unlink_case(problem, case_id, f.agent).at("changed") == true);
  CHECK(f.cases().get(case_id).at("problem_id").is_null());
  CHECK(f.problems().unlink_case(problem, case_id, f.agent).at("changed") == false);
  CHECK(event_types(f, problem) == std::vector<std::string>{"problem.created",
                                                            "problem.case_linked",
                                                            "problem.case_unlinked"});
}

TEST_CASE("linking to a missing case or problem is not_found; a closed problem refuses links") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto problem = f.problems().create({{"title", "A"}}, f.agent).at("id").get<std::int64_t>();
  auto case_id = f.intake_id("ann@example.com");
  CHECK(error_kind([&] { f.problems().link_case(problem, 999, false, f.agent); }) ==
        ErrorKind::not_found);
  CHECK(error_kind([&] { f.problems().link_case(999, case_id, false, f.agent); }) ==
        ErrorKind::not_found);
  f.problems().transition(problem, "closed", std::nullopt, f.agent);
  CHECK(error_kind([&] { f.problems().link_case(problem, case_id, false, f.agent); }) ==
        ErrorKind::conflict);
}

TEST_CASE("a problem walks its lifecycle once a solution and a department exist") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.problems().create({{"title", "Lids crack"}}, f.agent).at("id").get<std::int64_t>();
  f.problems().transition(id, "investigating", 1, f.agent);
  CHECK_THAT(error_message([&] { f.problems().transition(id, "solution_agreed", 2, f.agent); }),
             Catch::Contains("no solution yet"));
  f.services.solutions.put(id, {{"type", "product_change"}, {"summary", "Thicker lid"}},
                           std::nullopt, f.agent);
  json agreed = f.problems().transition(id, "solution_agreed", 2, f.agent);
  CHECK(f.services.solutions.get(id).at("agreed_at").is_string());
  CHECK_THAT(error_message([&] { f.problems().transition(id, "fix_in_progress", 3, f.agent); }),
             Catch::Contains("set department_id"));
  auto department = f.services.departments.create({{"name", "manufacturing"}}, f.agent);
  f.problems().update(id, {{"department_id", department.at("id")}, {"root_cause", "mould wear"}}, 3,
                      f.agent);
  CHECK(f.problems().get(id).at("root_cause_at").is_string());
  f.problems().transition(id, "fix_in_progress", 4, f.agent);
  json delivered = f.problems().transition(id, "fix_delivered", 5, f.agent);
  CHECK(delivered.at("fix_delivered_at").is_string());
  json recurring = f.problems().transition(id, "recurring", 6, f.agent);
  CHECK(recurring.at("verified_at").is_null());
  f.problems().transition(id, "fix_in_progress", 7, f.agent);
  f.problems().transition(id, "fix_delivered", 8, f.agent);
  json verified = f.problems().transition(id, "verified", 9, f.agent);
  CHECK(verified.at("verified_at").is_string());
  CHECK(f.problems().transition(id, "closed", 10, f.agent).at("state") == "closed");
  CHECK(error_kind([&] { f.problems().transition(id, "investigating", 11, f.agent); }) ==
        ErrorKind::conflict);
  (void)agreed;
}

TEST_CASE("problem updates and transitions with a stale revision are refused") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.problems().create({{"title", "A"}}, f.agent).at("id").get<std::int64_t>();
  f.problems().update(id, {{"severity", "major"}}, 1, f.agent);
  CHECK(error_kind([&] {
          f.problems().update(id, {{"severity", "critical"}}, 1, f.agent);
        }) == ErrorKind::stale_revision);
  CHECK(error_kind([&] { f.problems().transition(id, "investigating", 1, f.agent); }) ==
        ErrorKind::stale_revision);
  CHECK(f.problems().get(id).at("severity") == "major");
  CHECK(error_kind([&] {
          f.problems().update(id, {{"department_id", 42}}, 2, f.agent);
        }) == ErrorKind::invalid);
}

TEST_CASE("problems are listed by state with an exact total") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  for (int i = 0; i < 3; ++i) f.problems().create({{"title", "P" + std::to_string(i)}}, f.agent);
  f.problems().transition(1, "investigating", std::nullopt, f.agent);
  CHECK(f.problems().list({{"state", "proposed"}}).total == 2);
  CHECK(f.problems().list({{"state", "investigating"}}).items.at(0).at("title") == "P0");
}

TEST_CASE("a knowledge_article solution must name an existing article") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.problems().create({{"title", "A"}}, f.agent).at("id").get<std::int64_t>();
  CHECK(error_kind([&] {
          f.services.solutions.put(id, {{"type", "knowledge_article"}, {"summary", "s"}},
                                   std::nullopt, f.agent);
        }) == ErrorKind::invalid);
  CHECK(error_kind([&] {
          f.services.solutions.put(
              id, {{"type", "knowledge_article"}, {"summary", "s"}, {"article_id", 7}},
              std::nullopt, f.agent);
        }) == ErrorKind::invalid);
  auto article = f.services.articles.create({{"title", "Fix"}, {"body", "Do this"}}, f.agent);
  json solution = f.services.solutions.put(
      id, {{"type", "knowledge_article"}, {"summary", "s"}, {"article_id", article.at("id")}},
      std::nullopt, f.agent);
  CHECK(solution.at("revision") == 1);
  CHECK(f.services.solutions.put(id, {{"type", "refund"}, {"summary", "money back"}}, 1, f.agent)
            .at("revision") == 2);
  CHECK(error_kind([&] {
          f.services.solutions.put(id, {{"type", "recall"}, {"summary", "x"}}, 1, f.agent);
        }) == ErrorKind::stale_revision);
}

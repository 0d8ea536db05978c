// Suggestions as analytics plugins propose them and agents decide them.
#include "analytics_fixture.hpp"

using cxloop::testing::AnalyticsFixture;
using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::workflow::Actor;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

const Actor kPlugin{"plugin:similarity", "plugin"};

json problem_proposal(const std::string& signature, const std::vector<std::int64_t>& cases) {
  return {{"kind", "problem"},
          {"signature", signature},
          {"title", "Kettle lids crack"},
          {"category", "product_quality"},
          {"department", "manufacturing"},
          {"scope", {{"skus", {"KT-100"}}, {"batches", {"B7"}}}},
          {"case_ids", cases},
          {"evidence", {{"shared_terms", {"lid", "crack"}}, {"customers", cases.size()}}}};
}

}  // namespace

TEST_CASE("a new signature opens a suggestion and proposing it again updates its cases") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto a = f.intake_id("ann@example.com");
  auto b = f.intake_id("bob@example.com");
  auto c = f.intake_id("cat@example.com");
  json first = f.services.suggestions.propose(problem_proposal("kt100-lid", {a, b}), kPlugin);
  CHECK(first.at("created") == true);
  CHECK(first.at("state") == "open");
  auto id = first.at("id").get<std::int64_t>();
  json stored = f.services.suggestions.get(id);
  CHECK(stored.at("case_ids") == json({a, b}));
  CHECK(stored.at("proposed_by") == "plugin:similarity");
  CHECK(stored.at("scope").at("skus") == json({"KT-100"}));
  CHECK(stored.at("evidence").at("shared_terms") == json({"lid", "crack"}));

  json again = f.services.suggestions.propose(problem_proposal("kt100-lid", {a, b, c}), kPlugin);
  CHECK(again.at("created") == false);
  CHECK(again.at("id") == id);
  stored = f.services.suggestions.get(id);
  CHECK(stored.at("case_ids") == json({a, b, c}));
  CHECK(stored.at("revision") == 2);
  // The same proposal once more changes nothing.
  f.services.suggestions.propose(problem_proposal("kt100-lid", {a, b, c}), kPlugin);
  CHECK(f.services.suggestions.get(id).at("revision") == 2);
  CHECK(f.services.suggestions.list({{"state", "open"}}).total == 1);
}

TEST_CASE("accepting a problem suggestion creates the problem and links its cases at once") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto department = f.services.departments.create({{"name", "manufacturing"}}, f.agent).at("id");
  auto a = f.intake_id("ann@example.com");
  auto b = f.intake_id("bob@example.com");
  auto elsewhere = f.intake_id("cat@example.com");
  auto other = f.problem({{"title", "Something else"}});
  f.problems().link_case(other, elsewhere, false, f.agent);
  auto id =
      f.services.suggestions.propose(problem_proposal("kt100-lid", {a, b, elsewhere}), kPlugin)
          .at("id")
          .get<std::int64_t>();

  json accepted = f.services.suggestions.accept(id, {{"title", "Lids crack on KT-100"}}, f.agent);
  const json& problem = accepted.at("problem");
  CHECK(problem.at("title") == "Lids crack on KT-100");  // the agent's override
  CHECK(problem.at("category") == "product_quality");    // the suggestion's guess
  CHECK(problem.at("department_id") == department);      // found by name
  CHECK(problem.at("scope").at("batches") == json({"B7"}));
  CHECK(accepted.at("linked_case_ids") == json({a, b}));
  // A case of another problem is reported, not moved.
  REQUIRE(accepted.at("not_linked").size() == 1);
  CHECK(accepted.at("not_linked")[0].at("case_id") == elsewhere);
  CHECK(accepted.at("not_linked")[0].at("problem_id") == other);
  CHECK(f.cases().get(elsewhere).at("problem_id") == other);
  CHECK(f.cases().get(a).at("problem_id") == problem.at("id"));
  CHECK(accepted.at("suggestion").at("state") == "accepted");
  CHECK(accepted.at("suggestion").at("problem_id") == problem.at("id"));
  CHECK(accepted.at("suggestion").at("decided_by") == "token:1");

  // Decided once: accepting or dismissing again is a conflict that names the problem.
  CHECK_THAT(error_message([&] { f.services.suggestions.accept(id, json::object(), f.agent); }),
             Catch::Contains("already accepted (problem " +
                             problem.at("number").get<std::string>() + ")"));
  CHECK(error_kind([&] { f.services.suggestions.dismiss(id, json::object(), f.agent); }) ==
        ErrorKind::conflict);
  // The accepted signature is not reopened by a new proposal.
  json again = f.services.suggestions.propose(problem_proposal("kt100-lid", {a}), kPlugin);
  CHECK(again.at("state") == "accepted");
  CHECK(again.at("created") == false);
}

TEST_CASE("a failed acceptance leaves neither a problem nor linked cases behind") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto a = f.intake_id("ann@example.com");
  auto id = f.services.suggestions.propose(problem_proposal("kt100-lid", {a}), kPlugin)
                .at("id")
                .get<std::int64_t>();
  // An unknown department id fails inside the transaction, after the title was accepted.
  json bad = {{"department_id", 424242}};
  CHECK(error_kind([&] { f.services.suggestions.accept(id, bad, f.agent); }) == ErrorKind::invalid);
  CHECK(f.problems().list(json::object()).total == 0);
  CHECK(f.cases().get(a).at("problem_id").is_null());
  CHECK(f.services.suggestions.get(id).at("state") == "open");
  // Overrides are checked by name.
  CHECK_THAT(error_message([&] {
               f.services.suggestions.accept(id, {{"titel", "x"}}, f.agent);
             }),
             Catch::Contains("titel"));
}

TEST_CASE("a dismissed cluster is remembered and not proposed again") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto a = f.intake_id("ann@example.com");
  auto b = f.intake_id("bob@example.com");
  auto id = f.services.suggestions.propose(problem_proposal("noise", {a}), kPlugin)
                .at("id")
                .get<std::int64_t>();
  json dismissed =
      f.services.suggestions.dismiss(id, {{"reason", "two unrelated faults"}}, f.agent);
  CHECK(dismissed.at("state") == "dismissed");
  CHECK(dismissed.at("decision_note") == "two unrelated faults");
  // Dismissing twice is harmless.
  CHECK(f.services.suggestions.dismiss(id, json::object(), f.agent).at("revision") ==
        dismissed.at("revision"));

  json again = f.services.suggestions.propose(problem_proposal("noise", {a, b}), kPlugin);
  CHECK(again.at("state") == "dismissed");
  CHECK(again.at("created") == false);
  CHECK(f.services.suggestions.get(id).at("case_ids") == json({a}));
  CHECK(f.services.suggestions.list({{"state", "open"}}).total == 0);
  CHECK(f.services.suggestions.list({{"state", "dismissed"}}).total == 1);
}

TEST_CASE("a link suggestion links new cases to an existing problem when accepted") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto problem = f.problem({{"title", "Lids crack"}});
  auto a = f.intake_id("ann@example.com");
  auto b = f.intake_id("bob@example.com");
  f.problems().link_case(problem, a, false, f.agent);
  json link = {{"kind", "link"},
               {"signature", "case-" + std::to_string(b)},
               {"problem_id", problem},
               {"case_ids", {a, b}},
               {"evidence", {{"scores", {{std::to_string(b), 0.91}}}}}};
  auto id = f.services.suggestions.propose(link, kPlugin).at("id").get<std::int64_t>();
  CHECK(f.services.suggestions.get(id).at("title") ==
        "Link to " + cxloop::workflow::ProblemService::number_for(problem));
  CHECK(f.services.suggestions.list({{"kind", "link"}, {"problem_id", std::to_string(problem)}})
            .total == 1);

  json accepted = f.services.suggestions.accept(id, json::object(), f.agent);
  CHECK(accepted.at("linked_case_ids") == json({b}));
  CHECK(accepted.at("already_linked_case_ids") == json({a}));
  CHECK(f.problems().impact(problem).linked_cases == 2);
  CHECK(error_kind([&] { f.services.suggestions.accept(id, json::object(), f.agent); }) ==
        ErrorKind::conflict);
}

TEST_CASE("proposals with missing or wrong fields are refused naming the field") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto a = f.intake_id("ann@example.com");
  auto& suggestions = f.services.suggestions;
  auto field_of = [&](const json& request) {
    try {
      suggestions.propose(request, kPlugin);
    } catch (const cxloop::workflow::DomainError& error) {
      return error.field();
    }
    FAIL("the proposal was accepted: " << request.dump());
    return std::string();
  };
  json good = problem_proposal("sig", {a});
  json no_title = good;
  no_title.erase("title");
  CHECK(field_of(no_title) == "/title");
  json unknown_case = good;
  unknown_case["case_ids"] = {a, 999999};
  CHECK(field_of(unknown_case) == "/case_ids/1");
  json empty_cases = good;
  empty_cases["case_ids"] = json::array();
  CHECK(field_of(empty_cases) == "/case_ids");
  json bad_kind = good;
  bad_kind["kind"] = "cluster";
  CHECK(field_of(bad_kind) == "/kind");
  json bad_scope = good;
  bad_scope["scope"] = {{"purchase_from", "March"}};
  CHECK(field_of(bad_scope) == "/scope/purchase_from");
  json bad_category = good;
  bad_category["category"] = "no_such_category";
  f.context.categories = {"product_quality"};
  CHECK(field_of(bad_category) == "/category");
  json link_without_problem = {{"kind", "link"}, {"signature", "s"}, {"case_ids", {a}}};
  CHECK(field_of(link_without_problem) == "/problem_id");
  json link_to_nothing = link_without_problem;
  link_to_nothing["problem_id"] = 999999;
  CHECK(field_of(link_to_nothing) == "/problem_id");
  CHECK(error_kind([&] { suggestions.get(999999); }) == ErrorKind::not_found);
  CHECK(error_kind([&] { suggestions.list({{"state", "maybe"}}); }) == ErrorKind::invalid);
  // A closed problem takes no link suggestions.
  auto closed = f.problem({{"title", "Old"}});
  f.problems().transition(closed, "closed", std::nullopt, f.agent);
  json link_to_closed = link_without_problem;
  link_to_closed["problem_id"] = closed;
  CHECK(error_kind([&] { suggestions.propose(link_to_closed, kPlugin); }) == ErrorKind::conflict);
}

TEST_CASE("signatures list open problems with their cases, and matches are kept once") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto open = f.problem({{"title", "Lids crack"}, {"scope", {{"skus", {"KT-100"}}}}});
  auto closed = f.problem({{"title", "Old"}});
  f.problems().transition(closed, "closed", std::nullopt, f.agent);
  auto a = f.intake_id("ann@example.com");
  auto b = f.intake_id("bob@example.com");
  f.problems().link_case(open, a, false, f.agent);

  json signatures = f.services.suggestions.problem_signatures();
  REQUIRE(signatures.at("problems").size() == 1);
  const json& entry = signatures.at("problems")[0];
  CHECK(entry.at("id") == open);
  CHECK(entry.at("linked_case_ids") == json({a}));
  CHECK(entry.at("scope").at("skus") == json({"KT-100"}));
  CHECK(entry.at("fix_delivered_at").is_null());

  auto& s = f.services.suggestions;
  CHECK(s.record_match({{"problem_id", open}, {"case_id", b}, {"score", 0.8}}, kPlugin) ==
        json::object());
  s.record_match({{"problem_id", open}, {"case_id", b}, {"score", 0.9}}, kPlugin);
  CHECK(f.problems().impact(open).contacts_last_7_days == 2);  // a linked, b matched once
  CHECK(error_kind([&] {
          s.record_match({{"problem_id", open}, {"case_id", 999999}, {"score", 1}}, kPlugin);
        }) == ErrorKind::not_found);
  CHECK(error_kind([&] {
          s.record_match({{"problem_id", open}, {"case_id", b}}, kPlugin);
        }) == ErrorKind::invalid);
}

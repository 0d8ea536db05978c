// Verifying a delivered fix with a controlled clock: contacts before delivery set the rate,
// the window after it decides between recurring and verifiable.
#include "analytics_fixture.hpp"

#include "repository/event_log.hpp"
#include "workflow/recurrence.hpp"

using cxloop::testing::AnalyticsFixture;
using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

// Two linked contacts a day from 1 to 10 March (20 in 10 days, 2 a day), the fix delivered
// on 11 March at midnight. With a 14-day window and an expected drop of 0.5, at most
// 2 x 0.5 x 14 = 14 contacts may come until 25 March.
std::int64_t delivered_problem(AnalyticsFixture& f, const std::string& name) {
  f.context.verification = {14, 0.5};
  f.clock.set("2026-03-01T00:00:00Z");
  auto problem = f.problem({{"title", "Lids crack (" + name + ")"}});
  for (int day = 1; day <= 10; ++day) {
    char at[32];
    std::snprintf(at, sizeof at, "2026-03-%02dT00:00:00Z", day);
    for (int i = 0; i < 2; ++i) {
      f.problems().link_case(problem, f.case_at(at, name + std::to_string(day * 10 + i)), false,
                             f.agent);
    }
  }
  f.clock.set("2026-03-11T00:00:00Z");
  f.deliver_fix(problem);
  return problem;
}

std::int64_t revision_of(AnalyticsFixture& f, std::int64_t id) {
  return f.problems().get(id).at("revision").get<std::int64_t>();
}

}  // namespace

TEST_CASE("contacts that do not fall after the fix flag the problem recurring at once") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto problem = delivered_problem(f, "r");
  // 15 contacts on 12 March: 10 linked, 5 only matched by the analytics plugin.
  for (int i = 0; i < 15; ++i) {
    auto id = f.case_at("2026-03-12T08:00:00Z", "after" + std::to_string(i));
    if (i < 10) {
      f.problems().link_case(problem, id, false, f.agent);
    } else {
      f.services.suggestions.record_match(
          {{"problem_id", problem}, {"case_id", id}, {"score", 0.9}}, f.agent);
    }
  }
  f.clock.set("2026-03-12T12:00:00Z");
  // Before the checker runs, an agent cannot verify it either.
  CHECK_THAT(error_message([&] {
               f.problems().transition(problem, "verified", revision_of(f, problem), f.agent);
             }),
             Catch::Contains("15 contacts came after the fix where at most 14 were allowed"));

  auto report = f.services.recurrence.run_once();
  REQUIRE(report.recurring.size() == 1);
  const auto& verdict = report.recurring[0];
  CHECK(verdict.problem_id == problem);
  CHECK(verdict.contacts_before == 20);
  CHECK(verdict.days_before == Approx(10.0));
  CHECK(verdict.rate_before == Approx(2.0));
  CHECK(verdict.allowed_after == Approx(14.0));
  CHECK(verdict.contacts_after == 15);
  CHECK(verdict.window_ends_at == "2026-03-25T00:00:00.000000Z");
  CHECK(f.problems().get(problem).at("state") == "recurring");

  // The escalation hook: a problem.recurring event with the figures, in the problem's log.
  bool found = false;
  cxloop::repository::EventLog log(f.database.db());
  for (const auto& event : log.for_subject("problem:" + std::to_string(problem), 0, 500)) {
    if (event.type != "problem.recurring") continue;
    found = true;
    CHECK(json::parse(event.data_json).at("contacts_after") == 15);
    CHECK(event.actor == "system");
  }
  CHECK(found);

  // One verdict per delivered fix: running again changes nothing.
  auto again = f.services.recurrence.run_once();
  CHECK(again.recurring.empty());
  CHECK(again.verifiable.empty());
}

TEST_CASE("contacts that fall as expected make the fix verifiable once the window passed") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto problem = delivered_problem(f, "v");
  // Exactly the 14 contacts allowed, one a day.
  for (int day = 11; day <= 24; ++day) {
    char at[32];
    std::snprintf(at, sizeof at, "2026-03-%02dT06:00:00Z", day);
    f.problems().link_case(problem, f.case_at(at, "late" + std::to_string(day)), false, f.agent);
  }
  // A contact after the window is not counted against the fix.
  f.problems().link_case(problem, f.case_at("2026-03-25T06:00:00Z", "after-window"), false,
                         f.agent);

  f.clock.set("2026-03-24T23:59:59Z");
  auto early = f.services.recurrence.run_once();
  CHECK(early.watching == 1);
  CHECK(early.recurring.empty());
  CHECK(early.verifiable.empty());
  CHECK_THAT(error_message([&] {
               f.problems().transition(problem, "verified", revision_of(f, problem), f.agent);
             }),
             Catch::Contains("cannot be verified before 2026-03-25T00:00:00.000000Z"));

  f.clock.set("2026-03-25T12:00:00Z");
  auto report = f.services.recurrence.run_once();
  REQUIRE(report.verifiable.size() == 1);
  CHECK(report.verifiable[0].contacts_after == 14);
  CHECK(report.verifiable[0].outcome == "verifiable");
  CHECK(f.problems().get(problem).at("state") == "fix_delivered");
  auto verified = f.problems().transition(problem, "verified", revision_of(f, problem), f.agent);
  CHECK(verified.at("state") == "verified");
}

TEST_CASE("a fix delivered again after recurring gets a verification of its own") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto problem = delivered_problem(f, "again");
  for (int i = 0; i < 15; ++i) {
    f.problems().link_case(problem, f.case_at("2026-03-11T08:00:00Z", "x" + std::to_string(i)),
                           false, f.agent);
  }
  f.clock.set("2026-03-11T09:00:00Z");
  REQUIRE(f.services.recurrence.run_once().recurring.size() == 1);
  f.clock.set("2026-03-12T00:00:00Z");
  f.problems().transition(problem, "fix_in_progress", revision_of(f, problem), f.agent);
  f.problems().transition(problem, "fix_delivered", revision_of(f, problem), f.agent);
  // The rate before the second delivery counts all 35 contacts since the first one on
  // 1 March (within 14 days of 12 March): 35 over 11 days.
  f.clock.set("2026-03-26T00:00:00Z");
  auto report = f.services.recurrence.run_once();
  REQUIRE(report.verifiable.size() == 1);
  CHECK(report.verifiable[0].contacts_before == 35);
  CHECK(report.verifiable[0].days_before == Approx(11.0));
  CHECK(report.verifiable[0].rate_before == Approx(35.0 / 11.0));
  CHECK(report.verifiable[0].contacts_after == 0);
}

TEST_CASE("without a verification window a delivered fix can be verified at once") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  f.clock.set("2026-03-01T00:00:00Z");
  auto problem = f.problem({{"title", "Lids crack"}});
  f.problems().link_case(problem, f.case_at("2026-03-01T01:00:00Z", "ann"), false, f.agent);
  f.clock.set("2026-03-02T00:00:00Z");
  f.deliver_fix(problem);
  CHECK(f.context.verification.window_days == 0);
  CHECK(
      f.problems().transition(problem, "verified", revision_of(f, problem), f.agent).at("state") ==
      "verified");
  CHECK(error_kind([&] { f.problems().transition(problem, "verified", std::nullopt, f.agent); }) ==
        ErrorKind::conflict);
}

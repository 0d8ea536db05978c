// Impact beyond head counts: the contacts still expected from the install base, the trend
// of contacts per day and the priority score, exact on a small install base.
#include "analytics_fixture.hpp"

using cxloop::testing::AnalyticsFixture;
using cxloop::testing::test_backends;
using nlohmann::json;

namespace {

// Install base: ann, bob, cat and dan own a KT-1 (in scope); eve and fay own a KT-2.
void install_base(AnalyticsFixture& f) {
  json assets = json::array();
  for (const char* name : {"ann", "bob", "cat", "dan", "eve", "fay"}) {
    f.customers().create({{"name", name}, {"email", std::string(name) + "@example.com"}}, f.agent);
    bool in_scope = std::string(name) < "e";
    assets.push_back({{"customer_email", std::string(name) + "@example.com"},
                      {"sku", in_scope ? "KT-1" : "KT-2"}});
  }
  f.services.assets.bulk_insert(assets, f.agent);
}

}  // namespace

TEST_CASE("impact forecasts further contacts and weighs the trend and severity into priority") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  f.clock.set("2026-03-01T08:00:00Z");
  install_base(f);
  auto problem =
      f.problem({{"title", "Lids crack"}, {"severity", "major"}, {"scope", {{"skus", {"KT-1"}}}}});
  // Linked: eve (out of scope) on 2 March, ann on 14 March, bob on 15 March. Matched but not
  // linked: fay on 13 March. Unrelated: cat on 15 March.
  for (auto [at, who] :
       std::vector<std::pair<const char*, const char*>>{{"2026-03-02T10:00:00Z", "eve"},
                                                        {"2026-03-14T10:00:00Z", "ann"},
                                                        {"2026-03-15T09:00:00Z", "bob"}}) {
    f.problems().link_case(problem, f.case_at(at, who), false, f.agent);
  }
  auto fay = f.case_at("2026-03-13T23:59:59Z", "fay");
  f.services.suggestions.record_match({{"problem_id", problem}, {"case_id", fay}, {"score", 0.7}},
                                      f.agent);
  f.case_at("2026-03-15T10:00:00Z", "cat", {{"subject", "Invoice wrong"}});
  f.clock.set("2026-03-15T12:00:00Z");

  auto impact = f.problems().impact(problem);
  CHECK(impact.affected_customers == 3);  // ann, bob, eve
  CHECK(impact.in_scope_customers == 4);
  CHECK(impact.likely_affected_customers == 2);  // cat, dan
  CHECK(impact.contact_rate == Approx(0.5));     // 2 of 4 in scope contacted
  CHECK(impact.expected_further_contacts == Approx(1.0));
  CHECK(impact.contacts_last_7_days == 3);      // 13, 14, 15 March
  CHECK(impact.contacts_previous_7_days == 1);  // 2 March
  CHECK(impact.trend() == "rising");
  CHECK(impact.contacts_per_day() == Approx(3.0 / 7.0));
  std::vector<std::pair<std::string, std::int64_t>> daily = {
      {"2026-03-09", 0}, {"2026-03-10", 0}, {"2026-03-11", 0}, {"2026-03-12", 0},
      {"2026-03-13", 1}, {"2026-03-14", 1}, {"2026-03-15", 1}};
  CHECK(impact.daily_contacts == daily);
  // major weighs 2: 2 x (3 affected + 1 expected + 3 in the last 7 days).
  CHECK(impact.priority_score == Approx(14.0));

  json shown = impact.to_json();
  CHECK(shown.at("trend").at("direction") == "rising");
  CHECK(shown.at("trend").at("daily")[4] == json({{"date", "2026-03-13"}, {"contacts", 1}}));
  CHECK(shown.at("expected_further_contacts") == 1.0);

  // A week later nothing new came: the trend falls and the priority follows.
  f.clock.set("2026-03-22T12:00:00Z");
  auto later = f.problems().impact(problem);
  CHECK(later.contacts_last_7_days == 0);
  CHECK(later.contacts_previous_7_days == 3);
  CHECK(later.trend() == "falling");
  CHECK(later.priority_score == Approx(2.0 * (3 + 1.0)));
}

TEST_CASE("a problem without a scope forecasts nothing but still ranks by its contacts") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  f.clock.set("2026-03-10T08:00:00Z");
  auto problem = f.problem({{"title", "Billing run doubled"}, {"severity", "critical"}});
  f.problems().link_case(problem, f.case_at("2026-03-10T09:00:00Z", "ann"), false, f.agent);
  auto impact = f.problems().impact(problem);
  CHECK_FALSE(impact.scope_defined);
  CHECK(impact.expected_further_contacts == 0);
  CHECK(impact.contact_rate == 0);
  CHECK(impact.trend() == "rising");
  CHECK(impact.priority_score == Approx(4.0 * (1 + 0 + 1)));  // critical weighs 4
}

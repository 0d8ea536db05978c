// The summary figures on fixed data sets, to the exact count and hour.
#include "analytics_fixture.hpp"

#include <soci/soci.h>

using cxloop::testing::AnalyticsFixture;
using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

// A notification row as the notification engine writes it (the summary only reads them).
void notification(AnalyticsFixture& f, std::int64_t problem, const std::string& customer_email,
                  const std::string& kind, const std::string& state, const std::string& created,
                  const std::string& updated) {
  long long problem_id = problem;
  long long customer = f.customers().find_by_email(customer_email)->at("id").get<long long>();
  std::string key = kind + ":" + std::to_string(problem) + ":" + customer_email;
  f.database.db().write([&](soci::session& tx) {
    tx << "INSERT INTO notifications (problem_id, customer_id, kind, channel, state, "
          "idempotency_key, created_at, updated_at) VALUES (:p, :c, :k, 'email', :s, :i, :cr, "
          ":u)",
        soci::use(problem_id), soci::use(customer), soci::use(kind), soci::use(state),
        soci::use(key), soci::use(created), soci::use(updated);
  });
}

}  // namespace

TEST_CASE("the summary counts contacts, open problems and durations exactly") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  // Contacts: one the day before the range, three on 1 March, none on 2 March, one on 3.
  f.case_at("2026-02-28T23:59:59Z", "early");
  f.case_at("2026-03-01T08:00:00Z", "ann", {{"category", "product_quality"}});
  f.case_at("2026-03-01T09:00:00Z", "bob", {{"category", "product_quality"}});
  f.case_at("2026-03-01T10:00:00Z", "cat", {{"channel", "chat"}, {"category", "shipping"}});
  f.case_at("2026-03-03T23:59:59Z", "dan", {{"channel", "web"}});

  // Problems: p1 gets a root cause after 6 hours and its fix after 24; its customers are
  // told 3 and 5 hours after the fix (a failed notification does not count). p2 gets a root
  // cause after 12 hours. p3 is new; p4 is closed.
  auto shipping =
      f.services.departments.create({{"name", "shipping"}}, f.agent).at("id").get<std::int64_t>();
  f.clock.set("2026-03-01T00:00:00Z");
  auto p1 = f.problem({{"title", "Lids crack"}});
  f.clock.set("2026-03-01T06:00:00Z");
  f.problems().update(p1, {{"root_cause", "mould wear"}}, std::nullopt, f.agent);
  f.clock.set("2026-03-02T00:00:00Z");
  f.deliver_fix(p1);
  notification(f, p1, "ann@example.com", "resolution", "sent", "2026-03-02T01:00:00.000000Z",
               "2026-03-02T03:00:00.000000Z");
  notification(f, p1, "bob@example.com", "advisory", "delivered", "2026-03-02T01:00:00.000000Z",
               "2026-03-02T05:00:00.000000Z");
  notification(f, p1, "cat@example.com", "resolution", "failed", "2026-03-02T01:00:00.000000Z",
               "2026-03-02T09:00:00.000000Z");
  auto p2 = f.problem({{"title", "Parcels late"}, {"department_id", shipping}});
  f.clock.set("2026-03-02T12:00:00Z");
  f.problems().update(p2, {{"root_cause", "carrier strike"}}, std::nullopt, f.agent);
  f.problems().transition(p2, "investigating", std::nullopt, f.agent);
  f.clock.set("2026-03-03T00:00:00Z");
  f.problem({{"title", "Manual typo"}});
  auto p4 = f.problem({{"title", "Duplicate"}});
  f.problems().transition(p4, "closed", std::nullopt, f.agent);

  json summary = f.services.analytics.compute({{"from", "2026-03-01"}, {"to", "2026-03-03"}});
  const json& contacts = summary.at("contacts");
  CHECK(contacts.at("total") == 4);
  CHECK(contacts.at("by_channel") == json({{"email", 2}, {"chat", 1}, {"web", 1}}));
  CHECK(contacts.at("by_category") ==
        json({{"product_quality", 2}, {"shipping", 1}, {"uncategorised", 1}}));
  CHECK(contacts.at("by_day") == json::parse(R"([
      {"date":"2026-03-01","contacts":3,"by_channel":{"email":2,"chat":1},
       "by_category":{"product_quality":2,"shipping":1}},
      {"date":"2026-03-02","contacts":0,"by_channel":{},"by_category":{}},
      {"date":"2026-03-03","contacts":1,"by_channel":{"web":1},"by_category":{"uncategorised":1}}])"));

  const json& open = summary.at("open_problems");
  CHECK(open.at("total") == 3);
  CHECK(open.at("by_state") == json({{"fix_delivered", 1}, {"investigating", 1}, {"proposed", 1}}));
  json departments = json::array();
  for (const auto& entry : open.at("by_department")) {
    departments.push_back({entry.at("department"), entry.at("problems")});
  }
  CHECK(departments == json::parse(R"([[null, 1], ["manufacturing", 1], ["shipping", 1]])"));

  const json& durations = summary.at("durations");
  CHECK(durations.at("problems_created") == 4);
  CHECK(durations.at("mean_hours_to_root_cause").get<double>() == Approx(9.0));  // (6 + 12) / 2
  CHECK(durations.at("mean_hours_to_fix").get<double>() == Approx(24.0));
  CHECK(durations.at("mean_hours_fix_to_last_customer_told").get<double>() == Approx(5.0));

  // Outside the range: no contacts, no durations (null, not zero).
  json before = f.services.analytics.compute({{"from", "2026-01-01"}, {"to", "2026-01-31"}});
  CHECK(before.at("contacts").at("total") == 0);
  CHECK(before.at("contacts").at("by_day").size() == 31);
  CHECK(before.at("durations").at("mean_hours_to_fix").is_null());
  CHECK(before.at("durations").at("mean_hours_fix_to_last_customer_told").is_null());
}

TEST_CASE(
    "contacts avoided compare the advised customers' expected contacts with those that came") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  f.clock.set("2026-03-01T00:00:00Z");
  json assets = json::array();
  for (int i = 1; i <= 10; ++i) {
    std::string email = "c" + std::to_string(i) + "@example.com";
    f.customers().create({{"name", "c" + std::to_string(i)}, {"email", email}}, f.agent);
    assets.push_back({{"customer_email", email}, {"sku", "KT-1"}});
  }
  f.services.assets.bulk_insert(assets, f.agent);
  auto problem = f.problem({{"title", "Lids crack"}, {"scope", {{"skus", {"KT-1"}}}}});
  // c1..c5 contact before any advisory: the contact rate in scope is 5 / 10.
  for (int i = 1; i <= 5; ++i) {
    f.problems().link_case(problem, f.case_at("2026-03-02T10:00:00Z", "c" + std::to_string(i)),
                           false, f.agent);
  }
  // c6..c10 are advised on 3 March: 5 x 0.5 = 2.5 contacts expected from them.
  for (int i = 6; i <= 10; ++i) {
    notification(f, problem, "c" + std::to_string(i) + "@example.com", "advisory", "sent",
                 "2026-03-03T08:00:00.000000Z", "2026-03-03T08:05:00.000000Z");
  }
  // c6 contacts about it anyway; c7 contacts about something else.
  f.problems().link_case(problem, f.case_at("2026-03-04T10:00:00Z", "c6"), false, f.agent);
  f.case_at("2026-03-04T11:00:00Z", "c7", {{"subject", "Where is my invoice"}});

  json proactive =
      f.services.analytics.compute({{"from", "2026-03-01"}, {"to", "2026-03-31"}}).at("proactive");
  CHECK(proactive.at("problems") == 1);
  CHECK(proactive.at("advised_customers") == 5);
  CHECK(proactive.at("expected_contacts").get<double>() == Approx(2.5));
  CHECK(proactive.at("actual_contacts") == 1);
  CHECK(proactive.at("avoided_contacts").get<double>() == Approx(1.5));
}

TEST_CASE("summary ranges are checked and name the offending parameter") {
  AnalyticsFixture f(GENERATE(from_range(test_backends())));
  auto field_of = [&](const json& query) {
    try {
      f.services.analytics.compute(query);
    } catch (const cxloop::workflow::DomainError& error) {
      return error.field();
    }
    FAIL("accepted " << query.dump());
    return std::string();
  };
  CHECK(field_of({{"from", "2026-02-30"}}) == "/from");
  CHECK(field_of({{"to", "yesterday"}}) == "/to");
  CHECK(field_of({{"from", "2026-03-02"}, {"to", "2026-03-01"}}) == "/from");
  CHECK(field_of({{"from", "2024-01-01"}, {"to", "2026-01-01"}}) == "/from");
  CHECK(error_kind([&] {
          f.services.analytics.compute({{"since", "2026-01-01"}});
        }) == ErrorKind::invalid);
  // The default range is the 30 days up to today.
  f.clock.set("2026-03-31T12:00:00Z");
  json summary = f.services.analytics.compute(json::object());
  CHECK(summary.at("from") == "2026-03-02");
  CHECK(summary.at("to") == "2026-03-31");
}

#include "workflow_fixture.hpp"

#include <set>

using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

std::vector<std::string> subjects(const cxloop::workflow::Page& page) {
  std::vector<std::string> out;
  for (const auto& item : page.items) out.push_back(item.at("subject").get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("case list pages are stable while new cases arrive between pages") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  for (int i = 1; i <= 7; ++i) f.intake_id("ann@example.com", "case " + std::to_string(i));

  auto first = f.cases().list({{"limit", 3}});
  CHECK(subjects(first) == std::vector<std::string>{"case 7", "case 6", "case 5"});
  CHECK(first.total == 7);
  REQUIRE(first.next_cursor);

  f.intake_id("bob@example.com", "late 1");
  f.intake_id("bob@example.com", "late 2");

  auto second = f.cases().list({{"limit", "3"}, {"cursor", *first.next_cursor}});
  CHECK(subjects(second) == std::vector<std::string>{"case 4", "case 3", "case 2"});
  CHECK(second.total == 9);
  REQUIRE(second.next_cursor);

  f.intake_id("bob@example.com", "late 3");
  auto third = f.cases().list({{"limit", 3}, {"cursor", *second.next_cursor}});
  CHECK(subjects(third) == std::vector<std::string>{"case 1"});
  CHECK_FALSE(third.next_cursor);

  // A fresh first page shows the late arrivals.
  CHECK(subjects(f.cases().list({{"limit", 3}})) ==
        std::vector<std::string>{"late 3", "late 2", "late 1"});
}

TEST_CASE("a cursor the server did not issue is refused") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CHECK(error_kind([&] { f.cases().list({{"cursor", "not-a-cursor!"}}); }) == ErrorKind::invalid);
  CHECK(error_kind([&] { f.cases().list({{"cursor", "WzEsMl0"}}); }) == ErrorKind::invalid);
  CHECK(error_kind([&] { f.cases().list({{"limit", 0}}); }) == ErrorKind::invalid);
  CHECK(error_kind([&] { f.cases().list({{"colour", "red"}}); }) == ErrorKind::invalid);
}

TEST_CASE("case list filters by state, category, channel, sku, customer, problem, text and time") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto a = f.intake("ann@example.com", "Kettle lid cracked",
                    {{"sku", "KET-1"}, {"category", "quality"}});
  auto b = f.intake("bob@example.com", "Invoice twice", {{"category", "billing"}});
  auto sms = f.services.cases.intake({{"channel", "sms"},
                                      {"customer", {{"phone", "+15550100199"}}},
                                      {"subject", "Lid broke"},
                                      {"body", "kettle lid"},
                                      {"sku", "KET-1"}},
                                     f.agent);
  auto a_id = a.at("case").at("id").get<std::int64_t>();
  f.cases().transition(a_id, "open", std::nullopt, f.agent);
  auto problem = f.problems().create({{"title", "Lids crack"}}, f.agent);
  f.problems().link_case(problem.at("id").get<std::int64_t>(), a_id, false, f.agent);

  CHECK(f.cases().list({{"state", "open"}}).total == 1);
  CHECK(f.cases().list({{"state", "new,open"}}).total == 3);
  CHECK(f.cases().list({{"category", "billing"}}).items.at(0).at("subject") == "Invoice twice");
  CHECK(f.cases().list({{"channel", "sms"}}).total == 1);
  CHECK(f.cases().list({{"sku", "KET-1"}}).total == 2);
  CHECK(f.cases().list({{"customer_id", b.at("customer").at("id")}}).total == 1);
  CHECK(f.cases().list({{"problem_id", problem.at("id")}}).items.at(0).at("id") == a_id);
  CHECK(f.cases().list({{"q", "KETTLE"}}).total == 2);  // subject of one, description of other
  CHECK(f.cases().list({{"created_from", "2000-01-01"}, {"created_to", "2999-01-01"}}).total == 3);
  CHECK(f.cases().list({{"created_to", "2000-01-01T00:00:00Z"}}).total == 0);
  CHECK(error_kind([&] { f.cases().list({{"state", "opne"}}); }) == ErrorKind::invalid);
  CHECK(error_kind([&] { f.cases().list({{"created_from", "yesterday"}}); }) == ErrorKind::invalid);
  (void)sms;
}

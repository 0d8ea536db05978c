// The case.history host operation: the lean, oldest-first read an analytics plugin rebuilds
// its index from, on both backends.
#include "workflow_fixture.hpp"

#include <chrono>
#include <set>

#include "repository/clock.hpp"
#include "workflow/host_operations.hpp"
#include "workflow/operation_table.hpp"

using cxloop::repository::Clock;
using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::Actor;
using cxloop::workflow::ErrorKind;
using cxloop::workflow::OperationTable;
using nlohmann::json;

namespace {

struct HistoryFixture {
  explicit HistoryFixture(const std::string& backend) : f(backend) {
    cxloop::workflow::register_host_operations(table, f.services);
  }
  ~HistoryFixture() { Clock::reset_for_tests(); }

  json history(const json& request) { return table.call("case.history", request, plugin); }

  std::vector<std::string> subjects(const json& page) {
    std::vector<std::string> out;
    for (const auto& item : page.at("items")) out.push_back(item.at("subject").get<std::string>());
    return out;
  }

  WorkflowFixture f;
  OperationTable table;
  Actor plugin{"plugin:similarity", "plugin"};
};

}  // namespace

TEST_CASE("case history pages oldest first without repeating or skipping a case") {
  HistoryFixture h(GENERATE(from_range(test_backends())));
  // Two cases share each timestamp: the id orders them.
  Clock::set_for_tests(*cxloop::repository::parse_rfc3339("2026-03-02T08:00:00Z"));
  for (int i = 1; i <= 7; ++i) {
    h.f.intake_id("ann@example.com", "case " + std::to_string(i), {{"sku", "KT-200"}});
    if (i % 2 == 0) Clock::advance_for_tests(std::chrono::minutes(1));
  }

  json first = h.history({{"limit", 3}});
  CHECK(h.subjects(first) == std::vector<std::string>{"case 1", "case 2", "case 3"});
  const json& item = first.at("items").at(0);
  std::set<std::string> fields;
  for (const auto& field : item.items()) fields.insert(field.key());
  CHECK(fields == std::set<std::string>{"id", "customer_id", "channel", "subject", "description",
                                        "category", "sku", "batch", "problem_id", "created_at"});
  CHECK(item.at("sku") == "KT-200");
  CHECK(item.at("created_at") == "2026-03-02T08:00:00.000000Z");
  CHECK_FALSE(first.contains("total"));
  REQUIRE(first.at("next").is_object());

  h.f.intake_id("bob@example.com", "late");  // arrives between pages: read at the end
  json second = h.history({{"limit", 3}, {"after", first.at("next")}});
  CHECK(h.subjects(second) == std::vector<std::string>{"case 4", "case 5", "case 6"});
  json third = h.history({{"limit", 3}, {"after", second.at("next")}});
  CHECK(h.subjects(third) == std::vector<std::string>{"case 7", "late"});
  CHECK(third.at("next").is_null());
}

TEST_CASE("case history starts at created_from, and newest reads only the most recent cases") {
  HistoryFixture h(GENERATE(from_range(test_backends())));
  Clock::set_for_tests(*cxloop::repository::parse_rfc3339("2026-03-01T08:00:00Z"));
  h.f.intake_id("ann@example.com", "old");
  Clock::advance_for_tests(std::chrono::hours(48));
  for (int i = 1; i <= 4; ++i) {
    h.f.intake_id("ann@example.com", "recent " + std::to_string(i));
    Clock::advance_for_tests(std::chrono::minutes(1));
  }

  CHECK(h.subjects(h.history({{"created_from", "2026-03-02"}})) ==
        std::vector<std::string>{"recent 1", "recent 2", "recent 3", "recent 4"});
  json newest = h.history({{"created_from", "2026-03-01"}, {"newest", 3}, {"limit", 2}});
  CHECK(h.subjects(newest) == std::vector<std::string>{"recent 2", "recent 3"});
  REQUIRE(newest.at("next").is_object());
  json rest = h.history({{"created_from", "2026-03-01"}, {"after", newest.at("next")}});
  CHECK(h.subjects(rest) == std::vector<std::string>{"recent 4"});
  // A position before created_from: created_from still holds.
  const json early = {{"created_at", "2026-03-01T00:00:00.000000Z"}, {"id", 1}};
  CHECK(h.subjects(h.history({{"created_from", "2026-03-02"}, {"after", early}})) ==
        std::vector<std::string>{"recent 1", "recent 2", "recent 3", "recent 4"});
  CHECK(h.subjects(h.history({{"after", early}})).size() == 5);
  // Fewer cases than newest: all of them.
  CHECK(h.subjects(h.history({{"newest", 50}})).size() == 5);
  CHECK(h.history({{"created_from", "2026-04-01"}}).at("items").empty());
}

TEST_CASE("case history refuses a request it cannot read, naming the field") {
  HistoryFixture h(GENERATE(from_range(test_backends())));
  const json bad_after = {{"created_at", "2026-03-01T08:00:00.000000Z"}};
  CHECK(error_kind([&] { h.history({{"colour", "red"}}); }) == ErrorKind::invalid);
  CHECK(error_kind([&] { h.history({{"limit", 0}}); }) == ErrorKind::invalid);
  CHECK(error_kind([&] { h.history({{"limit", 5001}}); }) == ErrorKind::invalid);
  CHECK(error_kind([&] { h.history({{"newest", 0}}); }) == ErrorKind::invalid);
  CHECK(error_message([&] {
          h.history({{"created_from", "yesterday"}});
        }).find("'created_from' is 'yesterday'") != std::string::npos);
  CHECK(error_message([&] {
          h.history({{"after", bad_after}});
        }).find("'after' must be") != std::string::npos);
  CHECK(error_message([&] {
          h.history({{"after", "abc"}});
        }).find("'after' must be") != std::string::npos);
  CHECK(error_message([&] {
          h.history({{"newest", 5}, {"after", {{"created_at", "x"}, {"id", 1}}}});
        }).find("send 'newest' on the first request only") != std::string::npos);
}

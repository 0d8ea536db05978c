// What the analytics tests share: a workflow fixture with a frozen clock that the test
// moves day by day, and short-hands for customers, cases at a given time and problems
// walked to fix_delivered.
#pragma once

#include <string>

#include "repository/clock.hpp"
#include "workflow_fixture.hpp"

namespace cxloop::testing {

// Freezes repository::Clock (every stored timestamp) and restores the real clock after.
struct FrozenClock {
  FrozenClock() = default;
  FrozenClock(const FrozenClock&) = delete;
  FrozenClock& operator=(const FrozenClock&) = delete;
  ~FrozenClock() { repository::Clock::reset_for_tests(); }

  // at: "2026-03-01T09:00:00Z".
  void set(const std::string& at) {
    auto parsed = repository::parse_rfc3339(at);
    REQUIRE(parsed);
    repository::Clock::set_for_tests(*parsed);
  }
};

struct AnalyticsFixture : WorkflowFixture {
  explicit AnalyticsFixture(const std::string& backend) : WorkflowFixture(backend) {}

  // A case from customer name@example.com opened at the given time.
  std::int64_t case_at(const std::string& at, const std::string& name,
                       nlohmann::json extra = nlohmann::json::object()) {
    clock.set(at);
    return intake_id(name + "@example.com", "Lid cracked", std::move(extra));
  }

  std::int64_t problem(const nlohmann::json& fields) {
    return problems().create(fields, agent).at("id").get<std::int64_t>();
  }

  // Walks a problem from proposed to fix_delivered at the clock's current time.
  void deliver_fix(std::int64_t id) {
    auto revision = [&] { return problems().get(id).at("revision").get<std::int64_t>(); };
    problems().transition(id, "investigating", revision(), agent);
    services.solutions.put(id, {{"type", "product_change"}, {"summary", "Thicker lid"}},
                           std::nullopt, agent);
    problems().transition(id, "solution_agreed", revision(), agent);
    if (department == 0) {
      department = services.departments.create({{"name", "manufacturing"}}, agent)
                       .at("id")
                       .get<std::int64_t>();
    }
    problems().update(id, {{"department_id", department}}, revision(), agent);
    problems().transition(id, "fix_in_progress", revision(), agent);
    problems().transition(id, "fix_delivered", revision(), agent);
  }

  FrozenClock clock;
  std::int64_t department = 0;
};

}  // namespace cxloop::testing

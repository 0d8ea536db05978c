#include <catch2/catch.hpp>

#include "repository/clock.hpp"

using namespace cxloop::repository;

TEST_CASE("Timestamps are written as RFC 3339 UTC with milliseconds and read back") {
  const auto t = parse_rfc3339("2026-11-27T23:59:01.123Z");
  REQUIRE(t.has_value());
  CHECK(to_rfc3339(*t) == "2026-11-27T23:59:01.123Z");
  CHECK(to_rfc3339(*parse_rfc3339("2024-02-29T00:00:00Z")) == "2024-02-29T00:00:00.000Z");
  CHECK(to_rfc3339(Clock::TimePoint{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("Malformed timestamps are rejected") {
  CHECK_FALSE(parse_rfc3339("2026-11-27 23:59:01Z").has_value());
  CHECK_FALSE(parse_rfc3339("2026-11-27T23:59:01").has_value());
  CHECK_FALSE(parse_rfc3339("2026-13-01T00:00:00Z").has_value());
  CHECK_FALSE(parse_rfc3339("2026-11-27T23:59:01.Z").has_value());
}

TEST_CASE("Timestamps sort as text in time order") {
  const auto a = *parse_rfc3339("2026-11-27T23:59:59.999Z");
  CHECK(to_rfc3339(a) < to_rfc3339(a + std::chrono::milliseconds(1)));
  CHECK(to_rfc3339(a + std::chrono::milliseconds(1)) == "2026-11-28T00:00:00.000Z");
}

TEST_CASE("Tests can freeze and advance the clock") {
  const auto start = *parse_rfc3339("2030-01-01T00:00:00Z");
  Clock::set_for_tests(start);
  CHECK(now_rfc3339() == "2030-01-01T00:00:00.000Z");
  Clock::advance_for_tests(std::chrono::minutes(90));
  CHECK(now_rfc3339() == "2030-01-01T01:30:00.000Z");
  Clock::reset_for_tests();
  CHECK(Clock::now() > start - std::chrono::hours(24 * 365 * 10));
  CHECK(now_rfc3339() != "2030-01-01T01:30:00.000Z");
}

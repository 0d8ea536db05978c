// The time source for every timestamp the kernel stores. Timestamps are RFC 3339 UTC text
// with milliseconds ("2026-11-27T23:59:01.123Z") on both backends, so they sort as text and
// compare with plain SQL string comparison. Tests can freeze and advance the clock, so timer
// logic (backoff, leases, overdue tasks) is tested without sleeping.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace cxloop::repository {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // The system clock, or the frozen time set by set_for_tests.
  static TimePoint now();

  // Freezes the clock at t for every thread until reset_for_tests.
  static void set_for_tests(TimePoint t);
  // Moves a frozen clock forward; freezes it at now() + d if it was not frozen.
  static void advance_for_tests(std::chrono::milliseconds d);
  // Back to the system clock.
  static void reset_for_tests();
};

std::string to_rfc3339(Clock::TimePoint t);
// Accepts the form to_rfc3339 writes ("YYYY-MM-DDTHH:MM:SS.mmmZ", milliseconds optional).
std::optional<Clock::TimePoint> parse_rfc3339(const std::string& text);
std::string now_rfc3339();

}  // namespace cxloop::repository

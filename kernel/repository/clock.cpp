#include "repository/clock.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <limits>

namespace cxloop::repository {
namespace {

using Millis = std::chrono::milliseconds;

// Milliseconds since the epoch of the frozen time; the sentinel means "not frozen".
constexpr long long kNotFrozen = std::numeric_limits<long long>::min();
std::atomic<long long> frozen_ms{kNotFrozen};

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm), so no time zone
// database or timegm() is involved.
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

}  // namespace

Clock::TimePoint Clock::now() {
  const long long frozen = frozen_ms.load();
  if (frozen != kNotFrozen)
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(Millis(frozen)));
  return std::chrono::system_clock::now();
}

void Clock::set_for_tests(TimePoint t) {
  frozen_ms.store(std::chrono::duration_cast<Millis>(t.time_since_epoch()).count());
}

void Clock::advance_for_tests(std::chrono::milliseconds d) { set_for_tests(now() + d); }

void Clock::reset_for_tests() { frozen_ms.store(kNotFrozen); }

std::string to_rfc3339(Clock::TimePoint t) {
  const long long ms = std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
  long long secs = ms / 1000;
  long long millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::optional<Clock::TimePoint> parse_rfc3339(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
          6 ||
      consumed != 19)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::size_t pos = 19;
  long long millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
  const long long secs =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400LL +
      h * 3600LL + mi * 60LL + s;
  return Clock::TimePoint(
      std::chrono::duration_cast<Clock::TimePoint::duration>(Millis(secs * 1000 + millis)));
}

std::string now_rfc3339() { return to_rfc3339(Clock::now()); }

}  // namespace cxloop::repository

#include "workflow/clock.hpp"

#include <chrono>

#include "repository/clock.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>

#include <cctype>
#include <cstdio>

namespace cxloop::workflow {
namespace {

std::string format(const Poco::DateTime& time) {
  // %F is the fractional seconds in microseconds (six digits).
  return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%S.%FZ");
}

}  // namespace

// The kernel's one time source, so tests that freeze repository::Clock control domain
// timestamps too (due dates, overdue checks).
std::string now_rfc3339() {
  auto since_epoch = std::chrono::duration_cast<std::chrono::microseconds>(
      repository::Clock::now().time_since_epoch());
  return format(Poco::DateTime(Poco::Timestamp(since_epoch.count())));
}

bool is_calendar_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  int year = std::stoi(text.substr(0, 4));
  int month = std::stoi(text.substr(5, 2));
  int day = std::stoi(text.substr(8, 2));
  return Poco::DateTime::isValid(year, month, day);
}

std::optional<std::string> canonical_timestamp(const std::string& text) {
  if (is_calendar_date(text)) return text + "T00:00:00.000000Z";
  // RFC 3339 requires the "T" separator and a zone; the parser is more lenient than that.
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't')) return std::nullopt;
  Poco::DateTime parsed;
  int zone = 0;
  if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, parsed,
                                      zone)) {
    return std::nullopt;
  }
  parsed.makeUTC(zone);
  return format(parsed);
}

std::string add_hours(const std::string& canonical, long hours) {
  Poco::DateTime parsed;
  int zone = 0;
  Poco::DateTimeParser::parse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, canonical, parsed, zone);
  parsed += Poco::Timespan(hours * Poco::Timespan::HOURS);
  return format(parsed);
}

}  // namespace cxloop::workflow

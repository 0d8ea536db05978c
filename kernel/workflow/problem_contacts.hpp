// A problem's contacts: the cases linked to it and the cases an analytics plugin found
// matching its signature (problem_matches), each counted once at the time the case was
// opened. Impact trends and recurrence verification both count these, so a matched case
// that nobody linked still shows that the problem goes on.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace soci {
class session;
}

namespace cxloop::workflow {

// created_at of every contact opened in [from, to), ascending. Timestamps are canonical
// (workflow/clock.hpp); an empty from or to leaves that side open.
std::vector<std::string> problem_contact_times(soci::session& session, std::int64_t problem_id,
                                               const std::string& from, const std::string& to);

// Contacts per UTC day for the days first_day, first_day + 1, ... (days of them), zeros
// included; times outside those days are ignored. first_day is "YYYY-MM-DD".
std::vector<std::pair<std::string, std::int64_t>> contacts_per_day(
    const std::vector<std::string>& times, const std::string& first_day, int days);

// The UTC calendar day ("YYYY-MM-DD") days after (or, negative, before) the day of a
// canonical timestamp or date.
std::string day_offset(const std::string& timestamp, int days);

// Seconds from one canonical timestamp to another (negative when to is earlier).
double seconds_between(const std::string& from, const std::string& to);

}  // namespace cxloop::workflow

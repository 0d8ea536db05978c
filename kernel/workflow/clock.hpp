// Timestamps as the domain stores and returns them: RFC 3339 UTC with microseconds,
// fixed width so that text order is time order on every backend.
#pragma once

#include <optional>
#include <string>

namespace cxloop::workflow {

// Now (repository::Clock, which tests can freeze), e.g. "2026-01-31T09:15:00.123456Z".
std::string now_rfc3339();

// Accepts "YYYY-MM-DD" (midnight UTC) or an RFC 3339 timestamp with "Z" or a numeric offset,
// and returns the canonical stored form; nullopt when the text is not such a time.
std::optional<std::string> canonical_timestamp(const std::string& text);

// True for a valid calendar date written "YYYY-MM-DD".
bool is_calendar_date(const std::string& text);

// Adds hours to a canonical timestamp (for due dates).
std::string add_hours(const std::string& canonical, long hours);

}  // namespace cxloop::workflow

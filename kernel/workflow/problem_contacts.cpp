#include "workflow/problem_contacts.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <map>

#include "workflow/clock.hpp"
#include "workflow/sql_rows.hpp"

namespace cxloop::workflow {
namespace {

Poco::DateTime parse_canonical(const std::string& text) {
  Poco::DateTime parsed;
  int zone = 0;
  const std::string canonical = canonical_timestamp(text).value_or(text);
  Poco::DateTimeParser::parse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, canonical, parsed, zone);
  parsed.makeUTC(zone);
  return parsed;
}

// One branch of the contact union: the time bounds on its cases table alias.
void add_bounds(SqlQuery& query, const std::string& from, const std::string& to) {
  if (!from.empty()) query.text(" AND c.created_at >= " + query.bind(from));
  if (!to.empty()) query.text(" AND c.created_at < " + query.bind(to));
}

}  // namespace

std::vector<std::string> problem_contact_times(soci::session& session, std::int64_t problem_id,
                                               const std::string& from, const std::string& to) {
  // A UNION of (id, created_at) pairs counts a case that is both linked and matched once;
  // each branch uses its own index (cases_problem, the problem_matches key).
  SqlQuery query(
      "SELECT c.id AS id, c.created_at AS created_at FROM cases c WHERE c.problem_id = ");
  query.text(query.bind(problem_id));
  add_bounds(query, from, to);
  query.text(
      " UNION SELECT c.id AS id, c.created_at AS created_at FROM problem_matches m JOIN cases c "
      "ON c.id = m.case_id WHERE m.problem_id = " +
      query.bind(problem_id));
  add_bounds(query, from, to);
  std::vector<std::string> times;
  for (const auto& row : query.rows(session)) {
    times.push_back(row.at("created_at").get<std::string>());
  }
  std::sort(times.begin(), times.end());
  return times;
}

std::vector<std::pair<std::string, std::int64_t>> contacts_per_day(
    const std::vector<std::string>& times, const std::string& first_day, int days) {
  std::vector<std::pair<std::string, std::int64_t>> series;
  std::map<std::string, std::size_t> index;
  for (int i = 0; i < days; ++i) {
    series.emplace_back(day_offset(first_day, i), 0);
    index[series.back().first] = series.size() - 1;
  }
  for (const auto& time : times) {
    auto found = index.find(time.substr(0, 10));
    if (found != index.end()) ++series[found->second].second;
  }
  return series;
}

std::string day_offset(const std::string& timestamp, int days) {
  Poco::DateTime day = parse_canonical(timestamp);
  day += Poco::Timespan(days, 0, 0, 0, 0);
  return Poco::DateTimeFormatter::format(day, "%Y-%m-%d");
}

double seconds_between(const std::string& from, const std::string& to) {
  Poco::Timespan span = parse_canonical(to) - parse_canonical(from);
  return static_cast<double>(span.totalMicroseconds()) / 1e6;
}

}  // namespace cxloop::workflow

#include "workflow/analytics_summary.hpp"

#include <soci/soci.h>

#include <map>

#include "repository/database.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/impact.hpp"
#include "workflow/problem_contacts.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

using nlohmann::json;

constexpr int kDefaultDays = 30;
constexpr int kMaxDays = 366;
constexpr double kSecondsPerHour = 3600.0;
// A customer counts as told once the notification left (or was confirmed or acknowledged).
const char* const kToldStates = "('sent', 'delivered', 'acknowledged')";

struct Range {
  std::string from_day;
  std::string to_day;
  std::string from;  // first instant, canonical
  std::string end;   // first instant after the last day
  int days = 0;
};

std::string day_field(const json& q, const char* key) {
  auto value = optional_text(q, key, 10);
  if (!value) return {};
  if (!is_calendar_date(*value)) {
    throw DomainError(
        ErrorKind::invalid,
        std::string("'") + key + "' is '" + *value + "'; send a calendar date as YYYY-MM-DD",
        std::string("/") + key);
  }
  return *value;
}

Range read_range(const json& query) {
  json q = query.is_null() ? json::object() : query;
  require_object(q, {"from", "to"}, "summary query");
  Range r;
  r.to_day = day_field(q, "to");
  if (r.to_day.empty()) r.to_day = now_rfc3339().substr(0, 10);
  r.from_day = day_field(q, "from");
  if (r.from_day.empty()) r.from_day = day_offset(r.to_day, 1 - kDefaultDays);
  if (r.from_day > r.to_day) {
    throw DomainError(ErrorKind::invalid,
                      "'from' " + r.from_day + " is after 'to' " + r.to_day + "; swap them",
                      "/from");
  }
  r.days = static_cast<int>(seconds_between(r.from_day, r.to_day) / 86400.0) + 1;
  if (r.days > kMaxDays) {
    throw DomainError(ErrorKind::invalid,
                      "the range " + r.from_day + ".." + r.to_day + " spans " +
                          std::to_string(r.days) + " days; ask for at most " +
                          std::to_string(kMaxDays),
                      "/from");
  }
  r.from = r.from_day + "T00:00:00.000000Z";
  r.end = day_offset(r.to_day, 1) + "T00:00:00.000000Z";
  return r;
}

// {key: count} from rows of (key, n); null keys are reported under fallback.
json counts_by(soci::session& session, const std::string& column, const Range& r,
               const std::string& fallback) {
  json out = json::object();
  SqlQuery query("SELECT " + column + " AS k, count(*) AS n FROM cases");
  query.where("created_at >= $", r.from).where("created_at < $", r.end);
  query.text(" GROUP BY " + column);
  for (const auto& row : query.rows(session)) {
    std::string key = row.at("k").is_string() ? row.at("k").get<std::string>() : fallback;
    out[key] = out.value(key, 0) + integer_value(row.at("n"));
  }
  return out;
}

json contacts(soci::session& session, const Range& r) {
  json by_day = json::array();
  SqlQuery query("SELECT created_at, channel, category FROM cases");
  query.where("created_at >= $", r.from).where("created_at < $", r.end);
  std::vector<std::string> times;
  // Each day's contacts split by channel and by category, for the per-day charts.
  std::map<std::string, json> channels_of_day, categories_of_day;
  for (const auto& row : query.rows(session)) {
    const std::string at = row.at("created_at").get<std::string>();
    times.push_back(at);
    const std::string day = at.substr(0, 10);
    const std::string channel = row.at("channel").is_string() ? row.at("channel").get<std::string>() : "unknown";
    const std::string category =
        row.at("category").is_string() ? row.at("category").get<std::string>() : "uncategorised";
    json& channels = channels_of_day[day];
    if (channels.is_null()) channels = json::object();
    channels[channel] = channels.value(channel, 0) + 1;
    json& categories = categories_of_day[day];
    if (categories.is_null()) categories = json::object();
    categories[category] = categories.value(category, 0) + 1;
  }
  for (const auto& [day, count] : contacts_per_day(times, r.from_day, r.days)) {
    auto channels = channels_of_day.find(day);
    auto categories = categories_of_day.find(day);
    by_day.push_back({{"date", day},
                      {"contacts", count},
                      {"by_channel", channels == channels_of_day.end() ? json::object() : channels->second},
                      {"by_category", categories == categories_of_day.end() ? json::object() : categories->second}});
  }
  return {{"total", static_cast<std::int64_t>(times.size())},
          {"by_channel", counts_by(session, "channel", r, "unknown")},
          {"by_category", counts_by(session, "category", r, "uncategorised")},
          {"by_day", by_day}};
}

json open_problems(soci::session& session) {
  json by_state = json::object();
  json by_department = json::array();
  std::int64_t total = 0;
  const std::string open = " WHERE p.state NOT IN ('verified', 'closed')";
  for (const auto& row : SqlQuery("SELECT p.state AS state, count(*) AS n FROM problems p" + open +
                                  " GROUP BY p.state ORDER BY p.state")
                             .rows(session)) {
    by_state[row.at("state").get<std::string>()] = integer_value(row.at("n"));
    total += integer_value(row.at("n"));
  }
  for (const auto& row :
       SqlQuery("SELECT p.department_id AS department_id, d.name AS department, count(*) AS n "
                "FROM problems p LEFT JOIN departments d ON d.id = p.department_id" +
                open +
                " GROUP BY p.department_id, d.name ORDER BY CASE WHEN d.name IS NULL THEN 0 ELSE 1 "
                "END, d.name")
           .rows(session)) {
    by_department.push_back({{"department_id", row.at("department_id")},
                             {"department", row.at("department")},
                             {"problems", integer_value(row.at("n"))}});
  }
  return {{"total", total}, {"by_state", by_state}, {"by_department", by_department}};
}

struct Mean {
  double sum = 0;
  std::int64_t count = 0;
  void add(double value) {
    sum += value;
    ++count;
  }
  json hours() const { return count == 0 ? json() : json(sum / count / kSecondsPerHour); }
};

json durations(soci::session& session, const Range& r) {
  Mean root_cause, fix, told;
  SqlQuery query(
      "SELECT p.created_at AS created_at, p.root_cause_at AS root_cause_at, p.fix_delivered_at "
      "AS fix_delivered_at, (SELECT max(n.updated_at) FROM notifications n WHERE n.problem_id "
      "= p.id AND n.kind IN ('resolution', 'advisory') AND n.state IN " +
      std::string(kToldStates) + ") AS last_told_at FROM problems p");
  query.where("p.created_at >= $", r.from).where("p.created_at < $", r.end);
  for (const auto& row : query.rows(session)) {
    const std::string created = row.at("created_at").get<std::string>();
    if (row.at("root_cause_at").is_string()) {
      root_cause.add(seconds_between(created, row.at("root_cause_at").get<std::string>()));
    }
    if (!row.at("fix_delivered_at").is_string()) continue;
    const std::string delivered = row.at("fix_delivered_at").get<std::string>();
    fix.add(seconds_between(created, delivered));
    if (row.at("last_told_at").is_string()) {
      told.add(seconds_between(delivered, row.at("last_told_at").get<std::string>()));
    }
  }
  return {{"problems_created", static_cast<std::int64_t>(SqlQuery("SELECT count(*) FROM problems p")
                                                             .where("p.created_at >= $", r.from)
                                                             .where("p.created_at < $", r.end)
                                                             .scalar(session))},
          {"mean_hours_to_root_cause", root_cause.hours()},
          {"problems_with_root_cause", root_cause.count},
          {"mean_hours_to_fix", fix.hours()},
          {"problems_fixed", fix.count},
          {"mean_hours_fix_to_last_customer_told", told.hours()},
          {"problems_told", told.count}};
}

// Contacts avoided by advisories sent in the range (docs/analytics.md): per problem, the
// advised customers times the problem's contact rate in scope before its first advisory,
// against the advised customers who contacted about it after their advisory anyway.
json proactive(soci::session& session, const Range& r) {
  SqlQuery advised(
      "SELECT a.problem_id AS problem_id, count(*) AS advised, min(a.advised_at) AS "
      "first_advised_at, sum(CASE WHEN EXISTS (SELECT 1 FROM cases c WHERE c.customer_id = "
      "a.customer_id AND c.created_at >= a.advised_at AND (c.problem_id = a.problem_id OR "
      "EXISTS (SELECT 1 FROM problem_matches m WHERE m.problem_id = a.problem_id AND "
      "m.case_id = c.id))) THEN 1 ELSE 0 END) AS came FROM (SELECT n.problem_id AS "
      "problem_id, n.customer_id AS customer_id, min(n.created_at) AS advised_at FROM "
      "notifications n WHERE n.kind = 'advisory' AND n.problem_id IS NOT NULL AND n.state IN " +
      std::string(kToldStates));
  advised.text(" AND n.created_at >= " + advised.bind(r.from));
  advised.text(" AND n.created_at < " + advised.bind(r.end));
  advised.text(" GROUP BY n.problem_id, n.customer_id) a GROUP BY a.problem_id ORDER BY 1");
  std::int64_t problems = 0, advised_total = 0, came_total = 0;
  double expected = 0;
  for (const auto& row : advised.rows(session)) {
    const std::int64_t problem_id = integer_value(row.at("problem_id"));
    const std::int64_t count = integer_value(row.at("advised"));
    ++problems;
    advised_total += count;
    came_total += integer_value(row.at("came"));
    auto problem =
        select_one(session, "SELECT scope FROM problems WHERE id = :id", problem_id, {"scope"});
    AffectedScope scope = AffectedScope::from_json(problem ? problem->at("scope") : json(), "");
    if (!scope.defined()) continue;
    SqlQuery in_scope("SELECT count(DISTINCT a.customer_id) FROM assets a");
    scope.add_conditions(in_scope, "a.");
    const std::int64_t owners = in_scope.scalar(session);
    if (owners == 0) continue;
    SqlQuery contacted(
        "SELECT count(DISTINCT c.customer_id) FROM cases c JOIN assets a ON a.customer_id = "
        "c.customer_id");
    scope.add_conditions(contacted, "a.");
    contacted.where("c.problem_id = $", problem_id);
    contacted.where("c.created_at < $", row.at("first_advised_at").get<std::string>());
    const double rate =
        static_cast<double>(contacted.scalar(session)) / static_cast<double>(owners);
    expected += static_cast<double>(count) * rate;
  }
  return {{"problems", problems},
          {"advised_customers", advised_total},
          {"expected_contacts", expected},
          {"actual_contacts", came_total},
          {"avoided_contacts", expected - static_cast<double>(came_total)}};
}

}  // namespace

json AnalyticsSummary::compute(const json& query) const {
  Range r = read_range(query);
  json out;
  context_.db.read([&](soci::session& session) {
    out = {{"from", r.from_day},
           {"to", r.to_day},
           {"contacts", contacts(session, r)},
           {"open_problems", open_problems(session)},
           {"durations", durations(session, r)},
           {"proactive", proactive(session, r)}};
  });
  return out;
}

}  // namespace cxloop::workflow

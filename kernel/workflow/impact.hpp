// A problem's reach: who is hit now (customers of linked cases) and who is likely to be hit
// next (install-base customers whose assets fall in the problem's affected scope and who have
// not contacted about it), how many more contacts that forecasts, how the contacts trend, and
// the priority score that weighs it all with severity. Counts are exact SQL over the indexed
// assets and cases tables; docs/analytics.md gives the formulas.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace soci {
class session;
}

namespace cxloop::workflow {

class SqlQuery;

// A filter over assets. An asset is in scope when it matches every dimension that is given;
// an empty dimension does not constrain. A scope with no dimension at all matches nothing
// (a problem whose scope is not yet known has no forecast, rather than "everyone").
struct AffectedScope {
  std::vector<std::string> skus;
  std::vector<std::string> batches;
  std::optional<std::string> purchase_from;  // YYYY-MM-DD, inclusive
  std::optional<std::string> purchase_to;    // YYYY-MM-DD, inclusive
  std::vector<std::string> regions;

  bool defined() const;
  // Validates {skus?, batches?, purchase_from?, purchase_to?, regions?}; errors point under
  // field_prefix ("/scope").
  static AffectedScope from_json(const nlohmann::json& in, const std::string& field_prefix);
  nlohmann::json to_json() const;
  // Adds the scope's conditions on the assets table (alias prefix, e.g. "a.") to query.
  void add_conditions(SqlQuery& query, const std::string& prefix) const;
};

struct Impact {
  std::int64_t problem_id = 0;
  std::int64_t linked_cases = 0;
  std::int64_t affected_customers = 0;  // distinct customers of linked cases
  std::int64_t in_scope_customers = 0;  // distinct owners of in-scope assets
  std::int64_t in_scope_assets = 0;
  std::int64_t likely_affected_customers = 0;  // in scope, no case linked to the problem
  bool scope_defined = false;

  // Share of in-scope customers who contacted: (in_scope - likely_affected) / in_scope.
  double contact_rate = 0;
  // likely_affected_customers x contact_rate: the contacts still to come if the rest of the
  // install base in scope reports the way it has so far.
  double expected_further_contacts = 0;
  // Contacts (linked or matched cases, problem_contacts.hpp) per UTC day over the last 7 days
  // up to today, oldest first, and the totals of these and of the 7 days before them.
  std::vector<std::pair<std::string, std::int64_t>> daily_contacts;
  std::int64_t contacts_last_7_days = 0;
  std::int64_t contacts_previous_7_days = 0;
  std::string severity = "minor";
  // severity weight (minor 1, major 2, critical 4) x (affected_customers +
  // expected_further_contacts + contacts_last_7_days).
  double priority_score = 0;

  double contacts_per_day() const { return static_cast<double>(contacts_last_7_days) / 7.0; }
  // "rising", "falling" or "steady": the last 7 days against the 7 before.
  std::string trend() const;

  nlohmann::json to_json() const;
};

// As of repository::Clock::now() (the trend's days).
Impact compute_impact(soci::session& session, std::int64_t problem_id, const AffectedScope& scope,
                      const std::string& severity);

// The weight of a problem severity in the priority score: minor 1, major 2, critical 4.
double severity_weight(const std::string& severity);

// Customer ids likely affected (in scope, not yet contacted), ascending, after after_id: the
// audience for proactive advisories.
std::vector<std::int64_t> likely_affected_customers(soci::session& session, std::int64_t problem_id,
                                                    const AffectedScope& scope,
                                                    std::int64_t after_id, int limit);

}  // namespace cxloop::workflow

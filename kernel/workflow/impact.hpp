// A problem's reach: who is hit now (customers of linked cases) and who is likely to be hit
// next (install-base customers whose assets fall in the problem's affected scope and who have
// not contacted about it). Computed exactly by SQL over the indexed assets and cases tables.
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

  nlohmann::json to_json() const;
};

Impact compute_impact(soci::session& session, std::int64_t problem_id, const AffectedScope& scope);

// Customer ids likely affected (in scope, not yet contacted), ascending, after after_id: the
// audience for proactive advisories.
std::vector<std::int64_t> likely_affected_customers(soci::session& session, std::int64_t problem_id,
                                                    const AffectedScope& scope,
                                                    std::int64_t after_id, int limit);

}  // namespace cxloop::workflow

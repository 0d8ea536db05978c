#include "workflow/impact.hpp"

#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/sql_rows.hpp"

namespace cxloop::workflow {

bool AffectedScope::defined() const {
  return !skus.empty() || !batches.empty() || purchase_from || purchase_to || !regions.empty();
}

AffectedScope AffectedScope::from_json(const nlohmann::json& in, const std::string& field_prefix) {
  AffectedScope scope;
  if (in.is_null()) return scope;
  if (!in.is_object()) {
    throw DomainError(ErrorKind::invalid,
                      "the affected scope must be an object {skus, batches, purchase_from, "
                      "purchase_to, regions}",
                      field_prefix);
  }
  try {
    require_object(in, {"skus", "batches", "purchase_from", "purchase_to", "regions"},
                   "affected scope");
    scope.skus = string_list(in, "skus");
    scope.batches = string_list(in, "batches");
    scope.regions = string_list(in, "regions");
    for (const char* key : {"purchase_from", "purchase_to"}) {
      auto value = optional_text(in, key, 20);
      if (!value) continue;
      if (!is_calendar_date(*value)) {
        throw DomainError(
            ErrorKind::invalid,
            std::string("'") + key + "' is '" + *value + "'; send a calendar date as YYYY-MM-DD",
            std::string("/") + key);
      }
      (std::string(key) == "purchase_from" ? scope.purchase_from : scope.purchase_to) = *value;
    }
  } catch (const DomainError& error) {
    throw DomainError(error.kind(), std::string("scope: ") + error.what(),
                      field_prefix + error.field());
  }
  if (scope.purchase_from && scope.purchase_to && *scope.purchase_from > *scope.purchase_to) {
    throw DomainError(ErrorKind::invalid,
                      "scope: purchase_from " + *scope.purchase_from + " is after purchase_to " +
                          *scope.purchase_to + "; swap them",
                      field_prefix + "/purchase_from");
  }
  return scope;
}

nlohmann::json AffectedScope::to_json() const {
  return {{"skus", skus},
          {"batches", batches},
          {"purchase_from", purchase_from ? nlohmann::json(*purchase_from) : nlohmann::json()},
          {"purchase_to", purchase_to ? nlohmann::json(*purchase_to) : nlohmann::json()},
          {"regions", regions}};
}

void AffectedScope::add_conditions(SqlQuery& query, const std::string& prefix) const {
  query.where_in(prefix + "sku", skus);
  query.where_in(prefix + "batch", batches);
  query.where_in(prefix + "region", regions);
  if (purchase_from) query.where(prefix + "purchase_date >= $", *purchase_from);
  if (purchase_to) query.where(prefix + "purchase_date <= $", *purchase_to);
}

nlohmann::json Impact::to_json() const {
  return {{"problem_id", problem_id},
          {"linked_cases", linked_cases},
          {"affected_customers", affected_customers},
          {"in_scope_customers", in_scope_customers},
          {"in_scope_assets", in_scope_assets},
          {"likely_affected_customers", likely_affected_customers},
          {"scope_defined", scope_defined}};
}

namespace {

// Assets in scope whose owner has no case linked to the problem.
SqlQuery likely_query(const std::string& head, std::int64_t problem_id,
                      const AffectedScope& scope) {
  SqlQuery query(head + " FROM assets a");
  scope.add_conditions(query, "a.");
  query.where(
      "NOT EXISTS (SELECT 1 FROM cases c WHERE c.problem_id = $ AND c.customer_id = "
      "a.customer_id)",
      problem_id);
  return query;
}

}  // namespace

Impact compute_impact(soci::session& session, std::int64_t problem_id, const AffectedScope& scope) {
  Impact impact;
  impact.problem_id = problem_id;
  impact.scope_defined = scope.defined();
  impact.linked_cases =
      SqlQuery("SELECT count(*) FROM cases").where("problem_id = $", problem_id).scalar(session);
  impact.affected_customers = SqlQuery("SELECT count(DISTINCT customer_id) FROM cases")
                                  .where("problem_id = $", problem_id)
                                  .scalar(session);
  if (!impact.scope_defined) return impact;
  SqlQuery in_scope("SELECT count(DISTINCT a.customer_id) FROM assets a");
  scope.add_conditions(in_scope, "a.");
  impact.in_scope_customers = in_scope.scalar(session);
  SqlQuery assets("SELECT count(*) FROM assets a");
  scope.add_conditions(assets, "a.");
  impact.in_scope_assets = assets.scalar(session);
  impact.likely_affected_customers =
      likely_query("SELECT count(DISTINCT a.customer_id)", problem_id, scope).scalar(session);
  return impact;
}

std::vector<std::int64_t> likely_affected_customers(soci::session& session, std::int64_t problem_id,
                                                    const AffectedScope& scope,
                                                    std::int64_t after_id, int limit) {
  std::vector<std::int64_t> out;
  if (!scope.defined()) return out;
  SqlQuery query = likely_query("SELECT DISTINCT a.customer_id AS customer_id", problem_id, scope);
  query.where("a.customer_id > $", after_id);
  query.text(" ORDER BY a.customer_id LIMIT " + std::to_string(std::max(1, limit)));
  for (const auto& row : query.rows(session)) {
    const auto& id = row.at("customer_id");
    // SQLite may report the selected column as text; both forms carry the same id.
    out.push_back(id.is_string() ? std::stoll(id.get<std::string>()) : id.get<std::int64_t>());
  }
  return out;
}

}  // namespace cxloop::workflow

#include "workflow/case_history.hpp"

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

#include "repository/database.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns =
    "id, customer_id, channel, subject, description, category, sku, batch, problem_id, "
    "created_at";

struct Position {
  std::string created_at;
  std::int64_t id = 0;
};

std::optional<Position> after_of(const nlohmann::json& request) {
  auto it = request.find("after");
  if (it == request.end() || it->is_null()) return std::nullopt;
  const bool valid = it->is_object() && it->size() == 2 && it->contains("created_at") &&
                     it->at("created_at").is_string() && it->contains("id") &&
                     it->at("id").is_number_integer();
  if (!valid) {
    throw DomainError(ErrorKind::invalid,
                      "'after' must be {\"created_at\", \"id\"}: pass 'next' from the previous "
                      "page unchanged, or omit it to start from the first page",
                      "/after");
  }
  return Position{it->at("created_at").get<std::string>(), it->at("id").get<std::int64_t>()};
}

}  // namespace

nlohmann::json CaseHistory::page(const nlohmann::json& query) const {
  const nlohmann::json request = query.is_null() ? nlohmann::json::object() : query;
  require_object(request, {"created_from", "newest", "after", "limit"}, "case history request");
  std::optional<std::string> from;
  if (auto text = optional_text(request, "created_from", 40)) {
    from = canonical_timestamp(*text);
    if (!from) {
      throw DomainError(ErrorKind::invalid,
                        "'created_from' is '" + *text +
                            "'; send a date (2026-01-31) or an RFC 3339 time "
                            "(2026-01-31T09:00:00Z)",
                        "/created_from");
    }
  }
  const auto newest = optional_integer(request, "newest", 1, INT64_MAX);
  const auto after = after_of(request);
  if (newest && after) {
    throw DomainError(ErrorKind::invalid,
                      "'newest' chooses where the first page starts and 'after' continues a "
                      "later page; send 'newest' on the first request only",
                      "/newest");
  }
  const int limit = static_cast<int>(optional_integer(request, "limit", 1, 5000).value_or(1000));

  std::vector<nlohmann::json> rows;
  context_.db.read([&](soci::session& session) {
    std::optional<Position> start;
    if (newest) {
      // The newest-th most recent case, found by walking the (created_at, id) index from
      // its end: the history starts there.
      SqlQuery nth("SELECT created_at, id FROM cases");
      if (from) nth.where("created_at >= $", *from);
      nth.text(" ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET " + std::to_string(*newest - 1));
      const auto found = nth.rows(session);
      if (!found.empty()) {
        start = Position{found.front().at("created_at").get<std::string>(),
                         found.front().at("id").get<std::int64_t>()};
      }
    }
    SqlQuery select(std::string("SELECT ") + kColumns + " FROM cases");
    // One lower bound, the strongest: SQLite turns only one of them into a range of the
    // (created_at, id) index and filters the rest, so "created_at >= from AND (created_at,
    // id) > (a, i)" would read every case from `from` on for each page. A position at or
    // after `from` implies it; a position before it is implied by it.
    std::optional<std::pair<Position, const char*>> bound;
    if (start) bound.emplace(*start, ">=");
    if (after) bound.emplace(*after, ">");
    if (bound && from && bound->first.created_at < *from) bound.reset();
    if (bound) {
      // A row-value comparison, which both backends answer as an index range (see
      // cursor_page.cpp).
      const std::string at = select.bind(bound->first.created_at);
      const std::string id = select.bind(bound->first.id);
      select.where("(created_at, id) " + std::string(bound->second) + " (" + at + ", " + id + ")");
    } else if (from) {
      select.where("created_at >= $", *from);
    }
    // One row more than asked tells whether another page follows.
    select.text(" ORDER BY created_at, id LIMIT " + std::to_string(limit + 1));
    rows = select.rows(session);
  });

  nlohmann::json next = nullptr;
  if (rows.size() > static_cast<std::size_t>(limit)) {
    rows.resize(static_cast<std::size_t>(limit));
    next = {{"created_at", rows.back().at("created_at")}, {"id", rows.back().at("id")}};
  }
  nlohmann::json out;
  out["items"] = std::move(rows);
  out["next"] = std::move(next);
  return out;
}

}  // namespace cxloop::workflow

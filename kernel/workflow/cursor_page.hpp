// Cursor pagination for the domain's lists. Rows are ordered newest first by
// (created_at, id); the cursor is an opaque base64 text of the last row's (created_at, id),
// so a page never repeats or skips rows when new ones are inserted meanwhile. Each page also
// carries the total of rows matching the filters, counted up to kTotalCap unless the request
// asks for an exact count: an exact count reads every match, which at a million cases costs
// more than the page itself.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace soci {
class session;
}

namespace cxloop::workflow {

class SqlQuery;

// Totals above this are reported as kTotalCap with total_exact false.
constexpr std::int64_t kTotalCap = 1000;

struct PageRequest {
  std::optional<std::string> cursor;
  int limit = 50;            // 1..200
  bool exact_total = false;  // "count": "exact"

  // Reads "cursor", "limit" and "count" from a request object (numbers or query-parameter
  // text). The caller's list decides whether it accepts "count" (require_object).
  static PageRequest from_json(const nlohmann::json& query);
};

struct Page {
  std::vector<nlohmann::json> items;
  std::optional<std::string> next_cursor;  // absent on the last page
  std::int64_t total = 0;
  bool total_exact = true;  // false: more than total rows match

  // {"items": [...], "next_cursor": "..." | null, "total": n, "total_exact": true | false}
  nlohmann::json to_json() const;
};

std::string encode_cursor(const std::string& created_at, std::int64_t id);

// Runs "SELECT columns FROM from" with the filters added by add_filters, one page of it.
// columns must include created_at and id, qualified by prefix (e.g. "c.") when from joins.
Page fetch_page(soci::session& session, const std::string& columns, const std::string& from,
                const std::string& prefix, const std::function<void(SqlQuery&)>& add_filters,
                const PageRequest& request, std::initializer_list<const char*> json_columns = {},
                std::initializer_list<const char*> bool_columns = {});

// The same, ordered newest first by id_column alone (larger is newer), for sources that
// yield rows in id order only: the case text search streams matches from its index in
// rowid order, where sorting them by time would read every match. The cursor keeps the
// form of fetch_page's. The total is counted first and id_column may choose by it.
Page fetch_page_by_id(soci::session& session, const std::string& columns, const std::string& from,
                      const std::function<std::string(const Page& counted)>& id_column,
                      const std::function<void(SqlQuery&)>& add_filters,
                      const PageRequest& request);

}  // namespace cxloop::workflow

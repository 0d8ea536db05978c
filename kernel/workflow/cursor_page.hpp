// Cursor pagination for the domain's lists. Rows are ordered newest first by
// (created_at, id); the cursor is an opaque base64 text of the last row's (created_at, id),
// so a page never repeats or skips rows when new ones are inserted meanwhile. Each page also
// carries the exact total of rows matching the filters.
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

struct PageRequest {
  std::optional<std::string> cursor;
  int limit = 50;  // 1..200

  // Reads "cursor" and "limit" from a request object (numbers or query-parameter text).
  static PageRequest from_json(const nlohmann::json& query);
};

struct Page {
  std::vector<nlohmann::json> items;
  std::optional<std::string> next_cursor;  // absent on the last page
  std::int64_t total = 0;

  // {"items": [...], "next_cursor": "..." | null, "total": n}
  nlohmann::json to_json() const;
};

std::string encode_cursor(const std::string& created_at, std::int64_t id);

// Runs "SELECT columns FROM from" with the filters added by add_filters, one page of it.
// columns must include created_at and id, qualified by prefix (e.g. "c.") when from joins.
Page fetch_page(soci::session& session, const std::string& columns, const std::string& from,
                const std::string& prefix, const std::function<void(SqlQuery&)>& add_filters,
                const PageRequest& request, std::initializer_list<const char*> json_columns = {},
                std::initializer_list<const char*> bool_columns = {});

}  // namespace cxloop::workflow

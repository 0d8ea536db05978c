#include "workflow/cursor_page.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>

#include <algorithm>
#include <sstream>

#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/sql_rows.hpp"

namespace cxloop::workflow {
namespace {

struct CursorPosition {
  std::string created_at;
  std::int64_t id = 0;
};

DomainError bad_cursor() {
  return DomainError(ErrorKind::invalid,
                     "'cursor' is not a cursor this server issued; pass next_cursor from the "
                     "previous page unchanged, or omit it to start from the first page",
                     "/cursor");
}

CursorPosition decode_cursor(const std::string& cursor) {
  std::string text;
  try {
    std::istringstream in(cursor);
    Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    std::ostringstream out;
    out << decoder.rdbuf();
    text = out.str();
  } catch (const std::exception&) {
    throw bad_cursor();
  }
  auto value = nlohmann::json::parse(text, nullptr, false);
  if (!value.is_array() || value.size() != 2 || !value[0].is_string() ||
      !value[1].is_number_integer()) {
    throw bad_cursor();
  }
  return {value[0].get<std::string>(), value[1].get<std::int64_t>()};
}

}  // namespace

PageRequest PageRequest::from_json(const nlohmann::json& query) {
  PageRequest request;
  if (!query.is_object()) return request;
  request.cursor = optional_text(query, "cursor", 400);
  if (request.cursor && request.cursor->empty()) request.cursor.reset();
  if (auto limit = optional_integer(query, "limit", 1, 200))
    request.limit = static_cast<int>(*limit);
  if (auto count = optional_text(query, "count", 20)) {
    if (*count != "exact") {
      throw DomainError(ErrorKind::invalid,
                        "'count' is '" + *count + "'; send count=exact for an exact total, or " +
                            "leave it out for a total counted up to " + std::to_string(kTotalCap) +
                            " (total_exact tells which)",
                        "/count");
    }
    request.exact_total = true;
  }
  return request;
}

nlohmann::json Page::to_json() const {
  nlohmann::json out;
  out["items"] = items;
  out["next_cursor"] = next_cursor ? nlohmann::json(*next_cursor) : nlohmann::json(nullptr);
  out["total"] = total;
  out["total_exact"] = total_exact;
  return out;
}

std::string encode_cursor(const std::string& created_at, std::int64_t id) {
  std::ostringstream out;
  {
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder.rdbuf()->setLineLength(0);
    encoder << nlohmann::json::array({created_at, id}).dump();
    encoder.close();
  }
  return out.str();
}

namespace {

// The total of rows matching the filters: exact on request, otherwise counted up to
// kTotalCap + 1 rows, the one more telling that the total is a lower bound.
void count_total(soci::session& session, const std::string& from,
                 const std::function<void(SqlQuery&)>& add_filters, const PageRequest& request,
                 Page& page) {
  if (request.exact_total) {
    SqlQuery count("SELECT count(*) FROM " + from);
    add_filters(count);
    page.total = count.scalar(session);
    page.total_exact = true;
    return;
  }
  SqlQuery count("SELECT count(*) FROM (SELECT 1 FROM " + from);
  add_filters(count);
  count.text(" LIMIT " + std::to_string(kTotalCap + 1) + ") AS capped");
  std::int64_t counted = count.scalar(session);
  page.total = std::min(counted, kTotalCap);
  page.total_exact = counted <= kTotalCap;
}

// How a page is ordered, newest first: by (created_at, id) when created_at is set, else by
// id alone.
struct PageOrder {
  std::string created_at;
  std::string id;
};

// Reads one page in order into page (whose total is already counted).
void read_rows(soci::session& session, const std::string& columns, const std::string& from,
               const PageOrder& order, const std::function<void(SqlQuery&)>& add_filters,
               const PageRequest& request, std::initializer_list<const char*> json_columns,
               std::initializer_list<const char*> bool_columns, Page& page) {
  SqlQuery select("SELECT " + columns + " FROM " + from);
  add_filters(select);
  if (request.cursor) {
    CursorPosition position = decode_cursor(*request.cursor);
    if (order.created_at.empty()) {
      select.where(order.id + " < $", position.id);
    } else {
      // A row-value comparison, which both backends answer from the (created_at, id) index;
      // the equivalent "a < x OR (a = x AND b < y)" makes SQLite sort every remaining row.
      std::string at = select.bind(position.created_at);
      std::string id = select.bind(position.id);
      select.where("(" + order.created_at + ", " + order.id + ") < (" + at + ", " + id + ")");
    }
  }
  // One row more than asked tells whether another page follows.
  select.text(" ORDER BY " +
              (order.created_at.empty() ? std::string() : order.created_at + " DESC, ") + order.id +
              " DESC LIMIT " + std::to_string(request.limit + 1));
  page.items = select.rows(session, json_columns, bool_columns);
  if (page.items.size() > static_cast<std::size_t>(request.limit)) {
    page.items.resize(request.limit);
    const auto& last = page.items.back();
    page.next_cursor =
        encode_cursor(last.at("created_at").get<std::string>(), integer_value(last.at("id")));
  }
}

}  // namespace

Page fetch_page(soci::session& session, const std::string& columns, const std::string& from,
                const std::string& prefix, const std::function<void(SqlQuery&)>& add_filters,
                const PageRequest& request, std::initializer_list<const char*> json_columns,
                std::initializer_list<const char*> bool_columns) {
  Page page;
  count_total(session, from, add_filters, request, page);
  read_rows(session, columns, from, {prefix + "created_at", prefix + "id"}, add_filters, request,
            json_columns, bool_columns, page);
  return page;
}

Page fetch_page_by_id(soci::session& session, const std::string& columns, const std::string& from,
                      const std::function<std::string(const Page&)>& id_column,
                      const std::function<void(SqlQuery&)>& add_filters,
                      const PageRequest& request) {
  Page page;
  count_total(session, from, add_filters, request, page);
  read_rows(session, columns, from, {"", id_column(page)}, add_filters, request, {}, {}, page);
  return page;
}

}  // namespace cxloop::workflow

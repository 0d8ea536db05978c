#include "workflow/assets.hpp"

#include <algorithm>

#include <soci/soci.h>

#include <map>

#include "repository/database.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/phone_email.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns =
    "id, customer_id, sku, batch, serial, purchase_date, region, attributes, created_at";
const std::set<std::string> kFields = {"customer_id", "customer_email", "sku",    "batch",
                                       "serial",      "purchase_date",  "region", "attributes"};

// A validated row; the customer is looked up later, in the write transaction.
struct AssetRow {
  std::optional<std::int64_t> customer_id;
  std::optional<std::string> customer_email;
  SqlFields fields;
};

AssetRow parse_row(const nlohmann::json& in) {
  require_object(in, kFields, "asset");
  AssetRow row;
  row.customer_id = optional_id(in, "customer_id");
  if (auto email = optional_text(in, "customer_email", 300)) {
    row.customer_email = normalise_email(*email, "/customer_email");
  }
  if (!row.customer_id && !row.customer_email) {
    throw DomainError(ErrorKind::invalid,
                      "an asset needs its owner; send 'customer_id' or 'customer_email'",
                      "/customer_id");
  }
  row.fields.emplace_back("sku", required_text(in, "sku", 100));
  for (const char* key : {"batch", "serial", "region"}) {
    row.fields.emplace_back(key, sql_value(optional_text(in, key, 200)));
  }
  auto date = optional_text(in, "purchase_date", 20);
  if (date && !is_calendar_date(*date)) {
    throw DomainError(ErrorKind::invalid,
                      "'purchase_date' is '" + *date + "'; send a calendar date as YYYY-MM-DD",
                      "/purchase_date");
  }
  row.fields.emplace_back("purchase_date", sql_value(date));
  row.fields.emplace_back("attributes", object_or(in, "attributes").dump());
  return row;
}

// The owner's id, or a DomainError naming the missing customer.
std::int64_t owner_id(soci::session& tx, const AssetRow& row) {
  if (row.customer_id) {
    if (!select_one(tx, "SELECT id FROM customers WHERE id = :id", *row.customer_id)) {
      throw DomainError(ErrorKind::invalid,
                        "customer " + std::to_string(*row.customer_id) + " does not exist",
                        "/customer_id");
    }
    return *row.customer_id;
  }
  auto rows = SqlQuery("SELECT id FROM customers").where("email = $", *row.customer_email).rows(tx);
  if (rows.empty()) {
    throw DomainError(
        ErrorKind::invalid,
        "no customer has e-mail " + *row.customer_email + "; import the customer first",
        "/customer_email");
  }
  return rows.front().at("id").get<std::int64_t>();
}

}  // namespace

nlohmann::json AssetService::create(const nlohmann::json& in, const Actor& actor) {
  AssetRow row = parse_row(in);
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    SqlFields fields = row.fields;
    fields.emplace_back("customer_id", owner_id(tx, row));
    fields.emplace_back("created_at", now_rfc3339());
    std::int64_t id = insert_returning_id(tx, "assets", fields);
    result = *select_one(tx, std::string("SELECT ") + kColumns + " FROM assets WHERE id = :id", id,
                         {"attributes"});
    changes.record(tx, "asset.created", "asset:" + std::to_string(id), actor.id,
                   {{"after", result}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json AssetService::bulk_insert(const nlohmann::json& rows, const Actor& actor) {
  if (!rows.is_array() || rows.empty()) {
    throw DomainError(ErrorKind::invalid, "send the assets as a non-empty JSON array");
  }
  // Every bad row is reported at once: field errors first found by parsing, owner errors
  // by looking the owners up; then nothing of the batch is stored.
  std::vector<BulkImportError::RowError> parse_errors;
  std::vector<AssetRow> parsed;
  std::vector<std::size_t> positions;  // 1-based row of each parsed entry
  for (std::size_t i = 0; i < rows.size(); ++i) {
    try {
      parsed.push_back(parse_row(rows[i]));
      positions.push_back(i + 1);
    } catch (const DomainError& error) {
      parse_errors.push_back({i + 1, error.field(), error.what()});
    }
  }

  ChangeEvents changes;
  std::size_t inserted = 0;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    std::vector<BulkImportError::RowError> errors = parse_errors;
    std::vector<std::int64_t> owners;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      try {
        owners.push_back(owner_id(tx, parsed[i]));
      } catch (const DomainError& error) {
        errors.push_back({positions[i], error.field(), error.what()});
      }
    }
    if (!errors.empty()) {
      std::sort(errors.begin(), errors.end(),
                [](const auto& a, const auto& b) { return a.row < b.row; });
      throw BulkImportError(std::move(errors));
    }
    std::string now = now_rfc3339();
    std::int64_t first = 0, last = 0;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      SqlFields fields = parsed[i].fields;
      fields.emplace_back("customer_id", owners[i]);
      fields.emplace_back("created_at", now);
      last = insert_returning_id(tx, "assets", fields);
      if (first == 0) first = last;
    }
    inserted = parsed.size();
    changes.record(tx, "asset.imported", "assets", actor.id,
                   {{"count", inserted}, {"first_id", first}, {"last_id", last}});
  });
  changes.publish(context_);
  return {{"inserted", inserted}};
}

nlohmann::json AssetService::list_by_customer(std::int64_t customer_id) const {
  std::vector<nlohmann::json> rows;
  context_.db.read([&](soci::session& session) {
    rows = SqlQuery(std::string("SELECT ") + kColumns + " FROM assets")
               .where("customer_id = $", customer_id)
               .text(" ORDER BY id")
               .rows(session, {"attributes"});
  });
  return rows;
}

Page AssetService::list(const nlohmann::json& query) const {
  if (!query.is_null()) {
    require_object(query, {"customer_id", "sku", "batch", "region", "cursor", "limit", "count"},
                   "asset list query");
  }
  nlohmann::json q = query.is_null() ? nlohmann::json::object() : query;
  auto customer_id = optional_id(q, "customer_id");
  auto sku = optional_text(q, "sku", 100);
  auto batch = optional_text(q, "batch", 100);
  auto region = optional_text(q, "region", 100);
  PageRequest request = PageRequest::from_json(q);
  Page page;
  context_.db.read([&](soci::session& session) {
    page = fetch_page(session, kColumns, "assets", "",
                      [&](SqlQuery& sql) {
                        if (customer_id) sql.where("customer_id = $", *customer_id);
                        if (sku) sql.where("sku = $", *sku);
                        if (batch) sql.where("batch = $", *batch);
                        if (region) sql.where("region = $", *region);
                      },
                      request, {"attributes"});
  });
  return page;
}

}  // namespace cxloop::workflow

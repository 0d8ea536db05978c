#include "import/importer.hpp"

#include <set>
#include <stdexcept>
#include <vector>

#include "workflow/domain_services.hpp"

namespace cxloop::import {

namespace {

constexpr std::size_t kMaxReportedErrors = 1000;

// Columns a CSV file may name for each kind; any other column becomes a free attribute.
const std::set<std::string> kCustomerColumns = {"name",   "email", "phone",    "preferred_channel",
                                                "region", "tier",  "language", "opt_outs"};
const std::set<std::string> kAssetColumns = {"customer_id", "customer_email", "sku",   "batch",
                                             "serial",      "purchase_date",  "region"};

// CSV cells are text: split list cells ("email;sms"), fold unknown columns into attributes.
// JSON lines records already carry their types and pass through unchanged.
nlohmann::json shape_csv_row(const nlohmann::json& fields, ImportKind kind) {
  const auto& known = kind == ImportKind::customers ? kCustomerColumns : kAssetColumns;
  nlohmann::json row = nlohmann::json::object();
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& item : fields.items()) {
    if (known.count(item.key()) == 0) {
      attributes[item.key()] = item.value();
    } else if (item.key() == "opt_outs") {
      nlohmann::json list = nlohmann::json::array();
      std::string text = item.value().get<std::string>();
      std::size_t start = 0;
      while (start <= text.size()) {
        auto end = text.find(';', start);
        if (end == std::string::npos) end = text.size();
        std::string part = text.substr(start, end - start);
        if (!part.empty()) list.push_back(part);
        start = end + 1;
      }
      row["opt_outs"] = list;
    } else {
      row[item.key()] = item.value();
    }
  }
  if (!attributes.empty()) row["attributes"] = attributes;
  return row;
}

void add_error(ImportResult& result, long line, std::string field, std::string message) {
  if (result.errors.size() >= kMaxReportedErrors) return;
  result.errors.push_back(
      {{"line", line}, {"field", std::move(field)}, {"message", std::move(message)}});
}

}  // namespace

ImportKind import_kind_from_name(const std::string& name) {
  if (name == "customers") return ImportKind::customers;
  if (name == "assets") return ImportKind::assets;
  throw std::invalid_argument("unknown import kind '" + name + "': use customers or assets");
}

nlohmann::json ImportResult::to_json() const {
  return {{"rows", rows}, {"inserted", inserted}, {"errors", errors}};
}

ImportResult import_records(RecordReader& reader, ImportKind kind, workflow::DomainServices& domain,
                            const workflow::Actor& actor,
                            const std::function<void(std::size_t)>& progress) {
  ImportResult result;
  nlohmann::json rows = nlohmann::json::array();
  std::vector<long> lines;
  Record record;
  const bool is_csv = reader.format() == Format::csv;
  while (reader.next(record)) {
    ++result.rows;
    if (!record.error.empty()) {
      add_error(result, record.line, "", record.error);
      continue;
    }
    rows.push_back(is_csv ? shape_csv_row(record.fields, kind) : record.fields);
    lines.push_back(record.line);
    if (progress && result.rows % 1000 == 0) progress(reader.bytes_read());
  }
  if (progress) progress(reader.bytes_read());
  if (!result.ok()) return result;  // unreadable lines: store nothing
  if (rows.empty()) return result;

  try {
    nlohmann::json outcome = kind == ImportKind::customers
                                 ? domain.customers.bulk_insert(rows, actor)
                                 : domain.assets.bulk_insert(rows, actor);
    result.inserted = outcome.value("inserted", 0L);
  } catch (const workflow::BulkImportError& e) {
    for (const auto& bad : e.rows()) {
      long line = bad.row >= 1 && bad.row <= lines.size() ? lines[bad.row - 1] : 0;
      add_error(result, line, bad.field, bad.message);
    }
  }
  return result;
}

}  // namespace cxloop::import

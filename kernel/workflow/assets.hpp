// The install base: which customer owns which product (SKU), from which batch, bought when
// and where. It is what makes "likely affected" computable for a problem's scope.
//
// Record shape: {id, customer_id, sku, batch, serial, purchase_date: "YYYY-MM-DD", region,
// attributes: {...}, created_at}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflow/bulk_import_error.hpp"
#include "workflow/cursor_page.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;

class AssetService {
 public:
  explicit AssetService(WorkflowContext& context) : context_(context) {}

  // fields: customer_id (or customer_email of an existing customer), sku, batch?, serial?,
  // purchase_date? (YYYY-MM-DD), region?, attributes?.
  nlohmann::json create(const nlohmann::json& fields, const Actor& actor);
  // All rows or none: every row is checked first and BulkImportError lists each bad row
  // with its number. Returns {"inserted": n}.
  nlohmann::json bulk_insert(const nlohmann::json& rows, const Actor& actor);
  nlohmann::json list_by_customer(std::int64_t customer_id) const;
  // The install base, newest first. Filters: customer_id, sku, batch, region, cursor, limit.
  Page list(const nlohmann::json& query) const;

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

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

#include "workflow/domain_error.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;

// A bulk import refused because of bad rows; nothing of the batch was stored.
class AssetImportError : public DomainError {
 public:
  struct RowError {
    std::size_t row;    // 1-based position in the batch
    std::string field;  // JSON pointer within the row ("/sku")
    std::string message;
  };
  explicit AssetImportError(std::vector<RowError> rows);
  const std::vector<RowError>& rows() const { return rows_; }
  nlohmann::json to_json() const;

 private:
  std::vector<RowError> rows_;
};

class AssetService {
 public:
  explicit AssetService(WorkflowContext& context) : context_(context) {}

  // fields: customer_id (or customer_email of an existing customer), sku, batch?, serial?,
  // purchase_date? (YYYY-MM-DD), region?, attributes?.
  nlohmann::json create(const nlohmann::json& fields, const Actor& actor);
  // All rows or none: every row is checked first and AssetImportError lists each bad row
  // with its number. Returns {"inserted": n}.
  nlohmann::json bulk_insert(const nlohmann::json& rows, const Actor& actor);
  nlohmann::json list_by_customer(std::int64_t customer_id) const;

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow

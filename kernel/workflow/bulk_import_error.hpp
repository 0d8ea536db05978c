// The error of a bulk insert (customers or assets) refused because of bad rows: every bad row
// with its position and field, and the promise that nothing of the batch was stored.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflow/domain_error.hpp"

namespace cxloop::workflow {

class BulkImportError : public DomainError {
 public:
  struct RowError {
    std::size_t row;    // 1-based position in the batch
    std::string field;  // JSON pointer within the row ("/sku")
    std::string message;
  };
  explicit BulkImportError(std::vector<RowError> rows);
  const std::vector<RowError>& rows() const { return rows_; }
  nlohmann::json to_json() const;

 private:
  std::vector<RowError> rows_;
};

}  // namespace cxloop::workflow

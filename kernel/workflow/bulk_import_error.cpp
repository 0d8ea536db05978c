#include "workflow/bulk_import_error.hpp"

namespace cxloop::workflow {

BulkImportError::BulkImportError(std::vector<RowError> rows)
    : DomainError(ErrorKind::invalid,
                  std::to_string(rows.size()) + " row(s) refused, nothing imported; first: row " +
                      std::to_string(rows.front().row) + ": " + rows.front().message,
                  "/" + std::to_string(rows.front().row - 1) + rows.front().field),
      rows_(std::move(rows)) {}

nlohmann::json BulkImportError::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows_) {
    out.push_back({{"row", row.row}, {"field", row.field}, {"message", row.message}});
  }
  return out;
}

}  // namespace cxloop::workflow

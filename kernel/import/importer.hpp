// Bulk import of customers or assets from a record stream (CSV or JSON lines). A file is
// one batch: every row is read and checked first, and either all rows are stored or none,
// with every bad row reported by its line number.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "import/record_reader.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::workflow {
struct DomainServices;
}

namespace cxloop::import {

enum class ImportKind { customers, assets };

// "customers" or "assets"; throws std::invalid_argument naming the accepted kinds.
ImportKind import_kind_from_name(const std::string& name);

struct ImportResult {
  long rows = 0;                                    // records read
  long inserted = 0;                                // 0 unless every row was good
  nlohmann::json errors = nlohmann::json::array();  // [{line, field, message}], first 1000

  bool ok() const { return errors.empty(); }
  nlohmann::json to_json() const;
};

// progress(bytes_read) is called now and then while reading.
ImportResult import_records(RecordReader& reader, ImportKind kind, workflow::DomainServices& domain,
                            const workflow::Actor& actor,
                            const std::function<void(std::size_t)>& progress = {});

}  // namespace cxloop::import

// Streams records out of a bulk-import file: CSV with a header row (RFC 4180, parsed by
// libcsv) or JSON lines. Each record keeps the line it came from, so every row error names
// the line to fix. Used by `cxloopctl import` and the REST bulk-import endpoints.
#pragma once

#include <istream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace cxloop::import {

enum class Format { csv, json_lines };

// "csv" or "jsonl"/"ndjson"; also guesses from a file name or a Content-Type.
Format format_from_name(const std::string& name_or_content_type);

struct Record {
  long line = 0;          // 1-based line where the record ends in the input
  nlohmann::json fields;  // a JSON object; CSV values are strings, empty cells are absent
  std::string error;      // set when the line could not be read as a record
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Reads the next record; false at the end of the input.
  virtual bool next(Record& record) = 0;
  // Bytes consumed so far (for progress bars).
  virtual std::size_t bytes_read() const = 0;
  virtual Format format() const = 0;

  static std::unique_ptr<RecordReader> open(std::istream& input, Format format);
};

}  // namespace cxloop::import

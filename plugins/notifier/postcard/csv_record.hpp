// One line of an RFC 4180 CSV file: fields separated by commas, a field quoted when it holds
// a comma, a double quote or a line break (quotes inside doubled), the line ended by CRLF.
// Header-only: a few lines do not need a library (libcsv, in Debian, only parses).
#pragma once

#include <string>
#include <vector>

namespace cxloop::plugins::postcard {

inline std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

inline std::string csv_record(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_field(fields[i]);
  }
  return line + "\r\n";
}

}  // namespace cxloop::plugins::postcard

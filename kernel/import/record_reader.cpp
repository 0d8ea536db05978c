#include "import/record_reader.hpp"

#include <csv.h>

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <vector>

namespace cxloop::import {

Format format_from_name(const std::string& name_or_content_type) {
  std::string text = name_or_content_type;
  std::transform(text.begin(), text.end(), text.begin(), ::tolower);
  auto ends_with = [&](const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (text == "csv" || ends_with(".csv") || text.find("text/csv") != std::string::npos) {
    return Format::csv;
  }
  if (text == "jsonl" || text == "ndjson" || ends_with(".jsonl") || ends_with(".ndjson") ||
      text.find("application/x-ndjson") != std::string::npos ||
      text.find("application/jsonl") != std::string::npos) {
    return Format::json_lines;
  }
  throw std::invalid_argument("unknown import format '" + name_or_content_type +
                              "': use CSV (.csv, text/csv) or JSON lines (.jsonl, "
                              "application/x-ndjson)");
}

namespace {

class JsonLinesReader : public RecordReader {
 public:
  explicit JsonLinesReader(std::istream& input) : input_(input) {}

  bool next(Record& record) override {
    std::string text;
    while (std::getline(input_, text)) {
      ++line_;
      bytes_ += text.size() + 1;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (text.find_first_not_of(" \t") == std::string::npos) continue;
      record = Record{};
      record.line = line_;
      try {
        record.fields = nlohmann::json::parse(text);
        if (!record.fields.is_object()) {
          record.error =
              std::string("each line must be a JSON object, not ") + record.fields.type_name();
        }
      } catch (const nlohmann::json::parse_error& e) {
        record.error = "not valid JSON at byte " + std::to_string(e.byte);
      }
      return true;
    }
    return false;
  }

  std::size_t bytes_read() const override { return bytes_; }
  Format format() const override { return Format::json_lines; }

 private:
  std::istream& input_;
  long line_ = 0;
  std::size_t bytes_ = 0;
};

// Feeds libcsv one physical line at a time, so each completed row knows its line number.
class CsvReader : public RecordReader {
 public:
  explicit CsvReader(std::istream& input) : input_(input) {
    if (csv_init(&parser_, CSV_STRICT | CSV_APPEND_NULL) != 0) {
      throw std::runtime_error("cannot initialise the CSV parser");
    }
  }
  ~CsvReader() override { csv_free(&parser_); }

  bool next(Record& record) override {
    while (ready_.empty() && !finished_) read_line();
    if (ready_.empty()) return false;
    record = std::move(ready_.front());
    ready_.pop_front();
    return true;
  }

  std::size_t bytes_read() const override { return bytes_; }
  Format format() const override { return Format::csv; }

 private:
  static void on_field(void* data, std::size_t size, void* self) {
    static_cast<CsvReader*>(self)->row_.emplace_back(static_cast<const char*>(data), size);
  }
  static void on_row(int, void* self) { static_cast<CsvReader*>(self)->finish_row(); }

  void read_line() {
    std::string text;
    if (!std::getline(input_, text)) {
      if (csv_fini(&parser_, on_field, on_row, this) != 0) {
        add_error("the file ends inside a quoted field; close the quote");
      }
      finished_ = true;
      return;
    }
    ++line_;
    text.push_back('\n');
    bytes_ += text.size();
    if (csv_parse(&parser_, text.data(), text.size(), on_field, on_row, this) != text.size()) {
      add_error(std::string("malformed CSV: ") + csv_strerror(csv_error(&parser_)) +
                " (check quotes: a quote inside a quoted field is written twice)");
      // Start afresh on the next line so one bad row does not hide the rest.
      csv_free(&parser_);
      csv_init(&parser_, CSV_STRICT | CSV_APPEND_NULL);
      row_.clear();
    }
  }

  void add_error(std::string message) {
    Record record;
    record.line = line_;
    record.error = std::move(message);
    ready_.push_back(std::move(record));
  }

  void finish_row() {
    std::vector<std::string> row;
    row.swap(row_);
    bool blank =
        std::all_of(row.begin(), row.end(), [](const std::string& v) { return v.empty(); });
    if (blank) return;
    if (header_.empty()) {
      for (auto& name : row) {
        auto first = name.find_first_not_of(" \t\xEF\xBB\xBF");  // trim spaces and a BOM
        auto last = name.find_last_not_of(" \t\r");
        header_.push_back(first == std::string::npos ? "" : name.substr(first, last - first + 1));
      }
      return;
    }
    Record record;
    record.line = line_;
    record.fields = nlohmann::json::object();
    if (row.size() > header_.size()) {
      record.error = "this row has " + std::to_string(row.size()) + " cells but the header names " +
                     std::to_string(header_.size()) + " columns";
    }
    for (std::size_t i = 0; i < row.size() && i < header_.size(); ++i) {
      if (!row[i].empty() && !header_[i].empty()) record.fields[header_[i]] = row[i];
    }
    ready_.push_back(std::move(record));
  }

  std::istream& input_;
  csv_parser parser_{};
  std::vector<std::string> header_;
  std::vector<std::string> row_;
  std::deque<Record> ready_;
  long line_ = 0;
  std::size_t bytes_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<RecordReader> RecordReader::open(std::istream& input, Format format) {
  if (format == Format::csv) return std::make_unique<CsvReader>(input);
  return std::make_unique<JsonLinesReader>(input);
}

}  // namespace cxloop::import

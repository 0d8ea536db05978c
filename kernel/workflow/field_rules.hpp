// Validation of incoming JSON records: every helper throws DomainError(invalid) with a
// message that says what to send instead and the JSON pointer of the offending field.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cxloop::workflow {

struct WorkflowContext;

// The request must be a JSON object holding only the listed keys (typos are caught early).
void require_object(const nlohmann::json& in, const std::set<std::string>& allowed,
                    const std::string& what);

// A non-empty string (after trimming) of at most max_length bytes.
std::string required_text(const nlohmann::json& in, const std::string& key,
                          std::size_t max_length = 1000);
// Absent or null: nullopt. Present: a string of at most max_length bytes (may be empty).
std::optional<std::string> optional_text(const nlohmann::json& in, const std::string& key,
                                         std::size_t max_length = 1000);
// Absent/null: nullopt; otherwise a positive integer (numbers or digit strings, since query
// parameters arrive as text).
std::optional<std::int64_t> optional_id(const nlohmann::json& in, const std::string& key);
std::optional<std::int64_t> optional_integer(const nlohmann::json& in, const std::string& key,
                                             std::int64_t min, std::int64_t max);
std::optional<bool> optional_bool(const nlohmann::json& in, const std::string& key);
// Absent/null: default; otherwise must be a JSON object.
nlohmann::json object_or(const nlohmann::json& in, const std::string& key,
                         nlohmann::json fallback = nlohmann::json::object());
// Absent/null: empty; otherwise an array of non-empty strings.
std::vector<std::string> string_list(const nlohmann::json& in, const std::string& key);

// value must be one of allowed; the message lists them.
void require_one_of(const std::string& value, const std::vector<std::string>& allowed,
                    const std::string& field);
// A category from the configured list (any non-empty text when the list is empty).
void require_category(const WorkflowContext& context, const std::string& value,
                      const std::string& field);

std::string trim(const std::string& text);

// Optimistic concurrency: throws DomainError(stale_revision) naming `what` ("case CS-000123")
// when expected is given and differs from the record's revision.
void require_revision(const nlohmann::json& record, std::optional<std::int64_t> expected,
                      const std::string& what);
std::string join(const std::vector<std::string>& items, const std::string& separator);

extern const std::vector<std::string> kPriorities;  // low normal high urgent

}  // namespace cxloop::workflow

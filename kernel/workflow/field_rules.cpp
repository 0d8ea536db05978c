#include "workflow/field_rules.hpp"

#include <algorithm>
#include <cctype>

#include "workflow/domain_error.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

std::string pointer(const std::string& key) { return "/" + key; }

DomainError invalid(const std::string& key, const std::string& message) {
  return DomainError(ErrorKind::invalid, "'" + key + "' " + message, pointer(key));
}

// Query parameters arrive as text: "42" is accepted where a number is expected.
bool is_digits(const std::string& text) {
  return !text.empty() && text.size() < 19 &&
         std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool present(const nlohmann::json& in, const std::string& key) {
  return in.contains(key) && !in.at(key).is_null();
}

}  // namespace

const std::vector<std::string> kPriorities = {"low", "normal", "high", "urgent"};

void require_revision(const nlohmann::json& record, std::optional<std::int64_t> expected,
                      const std::string& what) {
  const std::int64_t revision = record.at("revision").get<std::int64_t>();
  if (expected && *expected != revision) {
    throw DomainError(ErrorKind::stale_revision,
                      what + " is at revision " + std::to_string(revision) + ", not " +
                          std::to_string(*expected) + "; re-read it and retry");
  }
}

std::string trim(const std::string& text) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  auto begin = std::find_if_not(text.begin(), text.end(), space);
  auto end = std::find_if_not(text.rbegin(), text.rend(), space).base();
  return begin < end ? std::string(begin, end) : std::string();
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += separator;
    out += items[i];
  }
  return out;
}

void require_object(const nlohmann::json& in, const std::set<std::string>& allowed,
                    const std::string& what) {
  if (!in.is_object()) {
    throw DomainError(ErrorKind::invalid, what + " must be a JSON object");
  }
  for (const auto& item : in.items()) {
    if (allowed.count(item.key()) == 0) {
      std::vector<std::string> names(allowed.begin(), allowed.end());
      throw DomainError(
          ErrorKind::invalid,
          "unknown field '" + item.key() + "' in " + what + "; known fields: " + join(names, ", "),
          pointer(item.key()));
    }
  }
}

std::string required_text(const nlohmann::json& in, const std::string& key,
                          std::size_t max_length) {
  if (!present(in, key)) throw invalid(key, "is required");
  if (!in.at(key).is_string()) throw invalid(key, "must be a string");
  std::string value = trim(in.at(key).get<std::string>());
  if (value.empty()) throw invalid(key, "must not be empty");
  if (value.size() > max_length) {
    throw invalid(key, "is longer than " + std::to_string(max_length) + " bytes");
  }
  return value;
}

std::optional<std::string> optional_text(const nlohmann::json& in, const std::string& key,
                                         std::size_t max_length) {
  if (!present(in, key)) return std::nullopt;
  if (!in.at(key).is_string()) throw invalid(key, "must be a string or null");
  std::string value = in.at(key).get<std::string>();
  if (value.size() > max_length) {
    throw invalid(key, "is longer than " + std::to_string(max_length) + " bytes");
  }
  return value;
}

std::optional<std::int64_t> optional_integer(const nlohmann::json& in, const std::string& key,
                                             std::int64_t min, std::int64_t max) {
  if (!present(in, key)) return std::nullopt;
  const auto& value = in.at(key);
  std::int64_t number = 0;
  if (value.is_number_integer()) {
    number = value.get<std::int64_t>();
  } else if (value.is_string() && is_digits(value.get_ref<const std::string&>())) {
    number = std::stoll(value.get<std::string>());
  } else {
    throw invalid(key, "must be an integer");
  }
  if (number < min || number > max) {
    throw invalid(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return number;
}

std::optional<std::int64_t> optional_id(const nlohmann::json& in, const std::string& key) {
  return optional_integer(in, key, 1, INT64_MAX);
}

std::optional<bool> optional_bool(const nlohmann::json& in, const std::string& key) {
  if (!present(in, key)) return std::nullopt;
  const auto& value = in.at(key);
  if (value.is_boolean()) return value.get<bool>();
  if (value == "true") return true;
  if (value == "false") return false;
  throw invalid(key, "must be true or false");
}

nlohmann::json object_or(const nlohmann::json& in, const std::string& key,
                         nlohmann::json fallback) {
  if (!present(in, key)) return fallback;
  if (!in.at(key).is_object()) throw invalid(key, "must be a JSON object");
  return in.at(key);
}

std::vector<std::string> string_list(const nlohmann::json& in, const std::string& key) {
  std::vector<std::string> out;
  if (!present(in, key)) return out;
  if (!in.at(key).is_array()) throw invalid(key, "must be an array of strings");
  for (std::size_t i = 0; i < in.at(key).size(); ++i) {
    const auto& item = in.at(key)[i];
    if (!item.is_string() || trim(item.get<std::string>()).empty()) {
      throw DomainError(ErrorKind::invalid,
                        "'" + key + "' item " + std::to_string(i) + " must be a non-empty string",
                        pointer(key) + "/" + std::to_string(i));
    }
    out.push_back(trim(item.get<std::string>()));
  }
  return out;
}

void require_one_of(const std::string& value, const std::vector<std::string>& allowed,
                    const std::string& field) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  throw DomainError(ErrorKind::invalid,
                    "'" + field + "' is '" + value + "'; use one of: " + join(allowed, ", "),
                    pointer(field));
}

void require_category(const WorkflowContext& context, const std::string& value,
                      const std::string& field) {
  if (context.categories.empty()) return;
  require_one_of(value, context.categories, field);
}

}  // namespace cxloop::workflow

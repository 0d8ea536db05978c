// Reading optional text members of request documents, as the bundled plugins need it again
// and again: missing members, members of another type and empty texts give a fallback instead
// of an exception. Header-only so every plugin can use it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cxloop::plugins {

inline std::string text_member(const nlohmann::json& object, const char* key,
                               const std::string& fallback = {}) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return fallback;
  }
  return it->get<std::string>();
}

// The text of an id member that may be a string or an integer ("42" either way); "" when it
// is missing or of another type.
inline std::string id_member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return {};
}

}  // namespace cxloop::plugins

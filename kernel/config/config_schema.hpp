// The kernel's JSON Schema for the server config file. It is the single place that lists
// which keys exist, their types and ranges; load_config validates every file against it.
#pragma once

#include <nlohmann/json.hpp>

namespace cxloop::config {

// The schema (draft 7). Every object sets additionalProperties: false so that a typo in a key
// is reported instead of silently ignored.
const nlohmann::json& config_schema();

}  // namespace cxloop::config

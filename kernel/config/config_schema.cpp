#include "config/config_schema.hpp"

namespace cxloop::config {

namespace {

nlohmann::json integer(int minimum, int maximum) {
  return {{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}};
}

nlohmann::json closed_object(nlohmann::json properties) {
  return {
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
}

nlohmann::json build_schema() {
  using nlohmann::json;
  const json string = {{"type", "string"}};
  const json boolean = {{"type", "boolean"}};
  const json non_empty = {{"type", "string"}, {"minLength", 1}};

  json http = closed_object({
      {"listen", non_empty},
      {"port", integer(0, 65535)},
      {"threads", integer(1, 4096)},
      {"queue", integer(1, 65536)},
      {"keep_alive", boolean},
      {"keep_alive_timeout_s", integer(1, 3600)},
      {"max_keep_alive_requests", integer(1, 1000000)},
      {"receive_timeout_s", integer(1, 3600)},
      {"send_timeout_s", integer(1, 3600)},
      // The body cap is an int so that it fits every platform's size_t; 1 GiB is plenty.
      {"max_body_bytes", integer(1, 1 << 30)},
  });
  json logging = closed_object({
      {"format", {{"type", "string"}, {"enum", {"text", "json"}}}},
      {"level",
       {{"type", "string"},
        {"enum",
         {"fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"}}}},
  });
  json storage = closed_object({
      {"url", non_empty},
      {"readers", integer(1, 256)},
      {"busy_timeout_ms", integer(0, 600000)},
      {"max_batch", integer(1, 100000)},
  });
  json workers = closed_object({
      {"event_threads", integer(1, 256)},
      {"outbox_threads", integer(0, 256)},
      {"outbox_poll_ms", integer(10, 3600000)},
      {"timer_interval_ms", integer(100, 3600000)},
  });
  json domain = closed_object({
      {"extra_categories",
       {{"type", "array"}, {"items", {{"type", "string"}, {"pattern", "^[a-z][a-z0-9_]{0,39}$"}}}}},
      {"default_country_code", {{"type", "string"}, {"pattern", "^(\\+[1-9][0-9]{0,3})?$"}}},
      {"verification", closed_object({
                           {"window_days", integer(0, 365)},
                           {"expected_drop", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
                       })},
  });
  json console = closed_object({
      {"enabled", boolean},
      {"directory", string},
      {"javascript_directory", non_empty},
  });
  json campaigns = closed_object({
      {"public_base_url", {{"type", "string"}, {"pattern", "^https?://[^/?#]+(/[^?#]*)?$"}}},
      {"sender", non_empty},
      {"templates_dir", string},
      {"rate_limits",
       {{"type", "object"},
        {"additionalProperties", {{"type", "number"}, {"exclusiveMinimum", 0}}}}},
  });
  json instance = closed_object({
      {"plugin", non_empty},
      {"enabled", boolean},
      {"required", boolean},
      {"settings", {{"type", "object"}}},  // checked later against the plugin's own schema
  });
  json plugins = closed_object({
      {"directories", {{"type", "array"}, {"items", non_empty}}},
      {"instances",
       // Instance names become URL segments; load_config checks their characters.
       {{"type", "object"}, {"additionalProperties", instance}}},
  });
  json root = closed_object({
      {"node_name", string},
      {"data_dir", non_empty},
      {"http", http},
      {"logging", logging},
      {"storage", storage},
      {"workers", workers},
      {"domain", domain},
      {"console", console},
      {"campaigns", campaigns},
      {"plugins", plugins},
  });
  root["$schema"] = "http://json-schema.org/draft-07/schema#";
  root["title"] = "cxloop server configuration";
  return root;
}

}  // namespace

const nlohmann::json& config_schema() {
  static const nlohmann::json schema = build_schema();
  return schema;
}

}  // namespace cxloop::config

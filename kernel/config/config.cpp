#include "config/config.hpp"

#include <algorithm>

#include <Poco/Environment.h>
#include <Poco/Process.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "config/config_schema.hpp"

namespace cxloop::config {

namespace {

using nlohmann::json;

std::string join_errors(const std::string& file, const std::vector<std::string>& errors) {
  std::string text = "invalid configuration";
  if (!file.empty()) text += " in " + file;
  for (const auto& line : errors) text += "\n  " + line;
  return text;
}

// RFC 6901 escaping for one reference token.
std::string escape_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// valijson names a location as {"<root>", "[http]", "[port]"}; we report JSON pointers.
std::vector<std::string> context_tokens(const std::vector<std::string>& context) {
  std::vector<std::string> tokens;
  for (const auto& part : context) {
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      tokens.push_back(part.substr(1, part.size() - 2));
    }
  }
  return tokens;
}

std::string pointer(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return "/";
  std::string out;
  for (const auto& token : tokens) out += "/" + escape_token(token);
  return out;
}

// The subschema that describes the value at tokens, or nullptr when the schema does not
// describe that location (an unknown key).
const json* subschema_at(const json& schema, const std::vector<std::string>& tokens) {
  const json* node = &schema;
  for (const auto& token : tokens) {
    if (node->contains("properties") && (*node)["properties"].contains(token)) {
      node = &(*node)["properties"][token];
    } else if (node->contains("additionalProperties") &&
               (*node)["additionalProperties"].is_object()) {
      node = &(*node)["additionalProperties"];
    } else if (node->contains("items")) {
      node = &(*node)["items"];
    } else {
      return nullptr;
    }
  }
  return node;
}

const json* value_at(const json& document, const std::vector<std::string>& tokens) {
  const json* node = &document;
  for (const auto& token : tokens) {
    if (node->is_object() && node->contains(token)) {
      node = &(*node)[token];
    } else if (node->is_array()) {
      std::size_t index = std::strtoul(token.c_str(), nullptr, 10);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

std::string json_type_name(const json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  return value.type_name();
}

// Turns one valijson error into "/pointer: message" lines, in words that say what to fix.
// Errors that only repeat a child's failure ("Failed to validate against schema associated
// with property ...") are dropped: the child's own error names the key.
void describe(const json& schema, const json& document, const valijson::ValidationResults::Error& e,
              std::vector<std::string>& out) {
  const auto tokens = context_tokens(e.context);
  const std::string& text = e.description;
  if (text.rfind("Failed to validate against schema associated with property", 0) == 0 ||
      text.rfind("Failed to validate against additional properties", 0) == 0 ||
      text.rfind("Failed to validate item #", 0) == 0) {
    return;
  }
  const json* sub = subschema_at(schema, tokens);
  const json* value = value_at(document, tokens);
  if (text.rfind("Object contains a property", 0) == 0 && sub && value && value->is_object()) {
    // valijson names only the first unknown key; report every one, each at its own path.
    std::string allowed;
    if (sub->contains("properties")) {
      for (const auto& entry : (*sub)["properties"].items()) {
        allowed += (allowed.empty() ? "" : ", ") + entry.key();
      }
    }
    for (const auto& entry : value->items()) {
      if (!sub->contains("properties") || !(*sub)["properties"].contains(entry.key())) {
        auto path = tokens;
        path.push_back(entry.key());
        out.push_back(pointer(path) + ": unknown key (allowed here: " + allowed + ")");
      }
    }
    return;
  }
  if (text.rfind("Value type not permitted", 0) == 0 && sub && sub->contains("type")) {
    out.push_back(pointer(tokens) + ": must be of type " + (*sub)["type"].get<std::string>() +
                  (value ? ", not " + json_type_name(*value) : std::string()));
    return;
  }
  if (text.rfind("Failed to match against any enum values", 0) == 0 && sub &&
      sub->contains("enum")) {
    std::string choices;
    for (const auto& choice : (*sub)["enum"]) {
      choices += (choices.empty() ? "" : ", ") + choice.get<std::string>();
    }
    out.push_back(pointer(tokens) + ": must be one of " + choices);
    return;
  }
  if ((text.rfind("Expected number", 0) == 0) && sub && sub->contains("minimum") &&
      sub->contains("maximum")) {
    out.push_back(pointer(tokens) + ": must be between " + (*sub)["minimum"].dump() + " and " +
                  (*sub)["maximum"].dump());
    return;
  }
  if (text.rfind("String should be no fewer", 0) == 0) {
    out.push_back(pointer(tokens) + ": must not be empty");
    return;
  }
  out.push_back(pointer(tokens) + ": " + text);
}

std::vector<std::string> validate(const json& document) {
  // Parsed once; valijson's Schema is neither copyable nor movable, hence the pointer.
  static const std::unique_ptr<valijson::Schema> schema = [] {
    auto parsed = std::make_unique<valijson::Schema>();
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(config_schema());
    parser.populateSchema(adapter, *parsed);
    return parsed;
  }();
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(document);
  std::vector<std::string> errors;
  if (validator.validate(*schema, target, &results)) return errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) describe(config_schema(), document, error, errors);
  // An object with several bad members reports each of them; drop exact repeats.
  std::set<std::string> seen;
  std::vector<std::string> unique;
  for (auto& line : errors) {
    if (seen.insert(line).second) unique.push_back(std::move(line));
  }
  return unique;
}

// nlohmann reports a byte offset; people look for a line and a column.
std::string position_of(const std::string& text, std::size_t byte) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string default_node_name() {
  return Poco::Environment::nodeName() + ":" + std::to_string(Poco::Process::id());
}

bool valid_instance_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Maps a document that passed the schema onto the structs; absent keys keep the defaults.
Config to_config(const json& doc, const std::string& source, std::vector<std::string>& errors) {
  Config config;
  config.source = source;
  config.node_name = doc.value("node_name", std::string());
  config.data_dir = doc.value("data_dir", config.data_dir);
  if (doc.contains("http")) {
    const json& h = doc["http"];
    HttpConfig& c = config.http;
    c.listen = h.value("listen", c.listen);
    c.port = h.value("port", c.port);
    c.threads = h.value("threads", c.threads);
    c.queue = h.value("queue", c.queue);
    c.keep_alive = h.value("keep_alive", c.keep_alive);
    c.keep_alive_timeout =
        std::chrono::seconds(h.value("keep_alive_timeout_s", int(c.keep_alive_timeout.count())));
    c.max_keep_alive_requests = h.value("max_keep_alive_requests", c.max_keep_alive_requests);
    c.receive_timeout =
        std::chrono::seconds(h.value("receive_timeout_s", int(c.receive_timeout.count())));
    c.send_timeout = std::chrono::seconds(h.value("send_timeout_s", int(c.send_timeout.count())));
    c.max_body_bytes = h.value("max_body_bytes", c.max_body_bytes);
  }
  if (doc.contains("logging")) {
    config.logging.format = doc["logging"].value("format", config.logging.format);
    config.logging.level = doc["logging"].value("level", config.logging.level);
  }
  // The database lives in the data directory unless a URL says otherwise.
  config.storage.url = "sqlite:" + config.data_dir + "/cxloop.db";
  if (doc.contains("storage")) {
    const json& s = doc["storage"];
    auto& c = config.storage;
    c.url = s.value("url", c.url);
    c.readers = s.value("readers", c.readers);
    c.busy_timeout =
        std::chrono::milliseconds(s.value("busy_timeout_ms", int(c.busy_timeout.count())));
    c.max_batch = s.value("max_batch", c.max_batch);
  }
  if (doc.contains("workers")) {
    const json& w = doc["workers"];
    auto& c = config.workers;
    c.event_threads = w.value("event_threads", c.event_threads);
    c.outbox_threads = w.value("outbox_threads", c.outbox_threads);
    c.outbox_poll =
        std::chrono::milliseconds(w.value("outbox_poll_ms", int(c.outbox_poll.count())));
    c.timer_interval = std::chrono::milliseconds(
        w.value("timer_interval_ms", static_cast<long long>(c.timer_interval.count())));
  }
  if (doc.contains("domain")) {
    const json& d = doc["domain"];
    auto& c = config.domain;
    // Extra categories extend the built-in list (duplicates are ignored).
    for (const auto& category : d.value("extra_categories", json::array())) {
      const std::string name = category.get<std::string>();
      if (std::find(c.categories.begin(), c.categories.end(), name) == c.categories.end()) {
        c.categories.push_back(name);
      }
    }
    c.default_country_code = d.value("default_country_code", c.default_country_code);
    if (d.contains("verification")) {
      const json& v = d["verification"];
      c.verification.window_days = v.value("window_days", c.verification.window_days);
      c.verification.expected_drop = v.value("expected_drop", c.verification.expected_drop);
    }
  }
  if (doc.contains("console")) {
    const json& c = doc["console"];
    config.console.enabled = c.value("enabled", config.console.enabled);
    config.console.directory = c.value("directory", config.console.directory);
    config.console.javascript_directory =
        c.value("javascript_directory", config.console.javascript_directory);
  }
  if (doc.contains("campaigns")) {
    const json& c = doc["campaigns"];
    auto& out = config.campaigns;
    out.public_base_url = c.value("public_base_url", out.public_base_url);
    while (!out.public_base_url.empty() && out.public_base_url.back() == '/') {
      out.public_base_url.pop_back();
    }
    out.sender = c.value("sender", out.sender);
    out.templates_dir = c.value("templates_dir", out.templates_dir);
    if (c.contains("rate_limits")) {
      for (const auto& [instance, rate] : c["rate_limits"].items()) {
        out.rate_limits[instance] = rate.get<double>();
      }
    }
  }
  if (doc.contains("plugins")) {
    const json& p = doc["plugins"];
    if (p.contains("directories")) {
      config.plugin_dirs = p["directories"].get<std::vector<std::string>>();
    }
    if (p.contains("instances")) {
      for (const auto& entry : p["instances"].items()) {
        if (!valid_instance_name(entry.key())) {
          errors.push_back(pointer({"plugins", "instances", entry.key()}) +
                           ": instance names may only use letters, digits, '_', '-' and '.'");
          continue;
        }
        const json& i = entry.value();
        PluginInstanceConfig instance;
        instance.name = entry.key();
        instance.plugin = i.value("plugin", entry.key());
        instance.enabled = i.value("enabled", instance.enabled);
        instance.required = i.value("required", instance.required);
        instance.settings_json = i.value("settings", json::object()).dump();
        config.plugins.push_back(std::move(instance));
      }
    }
  }
  if (config.node_name.empty()) config.node_name = default_node_name();
  return config;
}

}  // namespace

ConfigError::ConfigError(std::string file, std::vector<std::string> errors)
    : std::runtime_error(join_errors(file, errors)), errors_(std::move(errors)) {}

Config load_config_text(const std::string& json_text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // e.what() repeats the byte offset in nlohmann's words; keep only its explanation.
    std::string what = e.what();
    auto colon = what.find("syntax error");
    std::string reason = colon == std::string::npos ? what : what.substr(colon);
    throw ConfigError(source,
                      {"/: invalid JSON at " + position_of(json_text, e.byte) + ": " + reason});
  }
  if (!doc.is_object()) {
    throw ConfigError(source, {"/: the configuration must be a JSON object"});
  }
  std::vector<std::string> errors = validate(doc);
  if (!errors.empty()) throw ConfigError(source, errors);
  Config config = to_config(doc, source, errors);
  if (!errors.empty()) throw ConfigError(source, errors);
  return config;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path, {"/: cannot read the configuration file '" + path +
                             "'; check the path given to --config"});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), path);
}

void apply_environment(Config& config) {
  if (const char* url = std::getenv("CXLOOP_STORAGE_URL"); url != nullptr && *url != '\0') {
    config.storage.url = url;
  }
}

}  // namespace cxloop::config

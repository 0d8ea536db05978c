#include "plugin_host/manifest.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace cxloop::plugin_host {
namespace {

using nlohmann::json;

// doc[key], which must have the given type; label is how messages name the field.
const json& member(const json& doc, const std::string& source, const std::string& key,
                   json::value_t type, const char* type_name, const std::string& label = {}) {
  const std::string field = label.empty() ? key : label;
  auto it = doc.find(key);
  if (it == doc.end()) {
    throw ManifestError(source + ": missing field \"" + field + "\" (" + type_name + ")");
  }
  if (it->type() != type && !(type == json::value_t::number_unsigned && it->is_number_integer() &&
                              it->get<long long>() >= 0)) {
    throw ManifestError(source + ": field \"" + field + "\" must be " + type_name);
  }
  return *it;
}

std::string required_string(const json& doc, const std::string& source, const std::string& field) {
  const std::string value =
      member(doc, source, field, json::value_t::string, "a string").get<std::string>();
  if (value.empty()) throw ManifestError(source + ": field \"" + field + "\" must not be empty");
  return value;
}

void parse_schema(const json& schema_doc, valijson::Schema& schema) {
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter adapter(schema_doc);
  parser.populateSchema(adapter, schema);
}

// valijson context: "<root>", "[url]", "[0]" -> "/url/0".
std::string key_path(const std::vector<std::string>& context) {
  std::string path;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string key = part;
    if (key.size() >= 2 && key.front() == '[' && key.back() == ']') {
      key = key.substr(1, key.size() - 2);
    }
    path += "/" + key;
  }
  return path;
}

}  // namespace

bool is_plugin_kind(const std::string& kind) {
  return kind == "channel" || kind == "connector" || kind == "analytics" || kind == "notifier";
}

Manifest parse_manifest(const std::string& text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ManifestError(source + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw ManifestError(source + ": must be a JSON object");

  Manifest m;
  m.path = source;
  m.name = required_string(doc, source, "name");
  for (char c : m.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      throw ManifestError(source + ": field \"name\" may only hold letters, digits, '_' and '-'");
    }
  }
  m.kind = required_string(doc, source, "kind");
  if (!is_plugin_kind(m.kind)) {
    throw ManifestError(source + ": field \"kind\" is \"" + m.kind +
                        "\"; it must be one of channel, connector, analytics, notifier");
  }
  m.version = required_string(doc, source, "version");
  m.library = required_string(doc, source, "library");
  if (m.library.find('/') != std::string::npos) {
    throw ManifestError(source +
                        ": field \"library\" must be a file name in the manifest's "
                        "folder, without a directory");
  }
  if (doc.contains("description") && doc["description"].is_string()) {
    m.description = doc["description"].get<std::string>();
  }

  const json& abi =
      member(doc, source, "abi", json::value_t::object, "an object {\"major\": 1, \"minor\": 0}");
  m.abi.major = member(abi, source, "major", json::value_t::number_unsigned,
                       "a non-negative integer", "abi.major")
                    .get<int>();
  m.abi.minor = member(abi, source, "minor", json::value_t::number_unsigned,
                       "a non-negative integer", "abi.minor")
                    .get<int>();

  if (doc.contains("config_schema")) {
    m.config_schema = doc["config_schema"];
    if (!m.config_schema.is_object()) {
      throw ManifestError(source + ": field \"config_schema\" must be a JSON Schema object");
    }
    try {
      valijson::Schema schema;
      parse_schema(m.config_schema, schema);
    } catch (const std::exception& e) {
      throw ManifestError(source +
                          ": field \"config_schema\" is not a usable JSON Schema: " + e.what());
    }
  }
  if (doc.contains("capabilities")) {
    const json& caps = doc["capabilities"];
    if (!caps.is_array()) {
      throw ManifestError(source + ": field \"capabilities\" must be an array of strings");
    }
    for (const auto& cap : caps) {
      if (!cap.is_string()) {
        throw ManifestError(source + ": field \"capabilities\" must be an array of strings");
      }
      m.capabilities.push_back(cap.get<std::string>());
    }
  }
  return m;
}

Manifest read_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ManifestError(path + ": cannot be read (missing or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  Manifest m = parse_manifest(text.str(), path);
  m.directory = std::filesystem::path(path).parent_path().string();
  return m;
}

std::vector<std::string> validate_settings(const Manifest& manifest, const json& settings) {
  valijson::Schema schema;
  parse_schema(manifest.config_schema, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(settings);
  std::vector<std::string> errors;
  if (validator.validate(schema, target, &results)) return errors;

  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    errors.push_back("/settings" + key_path(error.context) + ": " + error.description);
  }
  return errors;
}

}  // namespace cxloop::plugin_host

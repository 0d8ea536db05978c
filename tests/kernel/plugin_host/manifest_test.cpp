// Reading plugin.json and checking instance settings against its config_schema.
#include <catch2/catch.hpp>

#include "plugin_host/manifest.hpp"

using Catch::Matchers::Contains;
using cxloop::plugin_host::Manifest;
using cxloop::plugin_host::ManifestError;
using cxloop::plugin_host::parse_manifest;
using cxloop::plugin_host::validate_settings;
using nlohmann::json;

namespace {

json valid() {
  return {{"name", "jira"},
          {"kind", "connector"},
          {"version", "2.1.0"},
          {"abi", {{"major", 1}, {"minor", 0}}},
          {"library", "libjira.so"},
          {"capabilities", {"push", "poll"}},
          {"config_schema",
           {{"type", "object"},
            {"required", {"url"}},
            {"properties",
             {{"url", {{"type", "string"}, {"pattern", "^https?://"}}},
              {"labels", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}}};
}

}  // namespace

TEST_CASE("A complete manifest is read with every field") {
  const Manifest m = parse_manifest(valid().dump(), "jira/plugin.json");
  CHECK(m.name == "jira");
  CHECK(m.kind == "connector");
  CHECK(m.version == "2.1.0");
  CHECK(m.abi.major == 1);
  CHECK(m.abi.minor == 0);
  CHECK(m.library == "libjira.so");
  CHECK(m.capabilities == std::vector<std::string>{"push", "poll"});
  CHECK(m.config_schema.at("required") == json{"url"});
}

TEST_CASE("A manifest missing a field names the file and the field") {
  for (const char* field : {"name", "kind", "version", "abi", "library"}) {
    json doc = valid();
    doc.erase(field);
    CHECK_THROWS_WITH(parse_manifest(doc.dump(), "jira/plugin.json"),
                      Contains("jira/plugin.json") && Contains(std::string("\"") + field + "\""));
  }
  json doc = valid();
  doc["abi"].erase("minor");
  CHECK_THROWS_WITH(parse_manifest(doc.dump(), "x.json"), Contains("\"abi.minor\""));
}

TEST_CASE("A manifest that is not JSON says so with its path") {
  CHECK_THROWS_AS(parse_manifest("{\"name\": ", "broken/plugin.json"), ManifestError);
  CHECK_THROWS_WITH(parse_manifest("{\"name\": ", "broken/plugin.json"),
                    Contains("broken/plugin.json") && Contains("not valid JSON"));
}

TEST_CASE("A manifest with an unknown kind lists the allowed kinds") {
  json doc = valid();
  doc["kind"] = "exporter";
  CHECK_THROWS_WITH(parse_manifest(doc.dump(), "p.json"),
                    Contains("exporter") && Contains("channel, connector, analytics, notifier"));
}

TEST_CASE("A manifest whose config_schema is not a schema is refused") {
  json doc = valid();
  doc["config_schema"] = {{"type", 5}};
  CHECK_THROWS_WITH(parse_manifest(doc.dump(), "p.json"), Contains("config_schema"));
}

TEST_CASE("Settings that match the schema have no violations") {
  const Manifest m = parse_manifest(valid().dump(), "p.json");
  CHECK(validate_settings(m, {{"url", "https://jira.example"}}).empty());
}

TEST_CASE("Each schema violation is reported with its key path below /settings") {
  const Manifest m = parse_manifest(valid().dump(), "p.json");
  const auto missing = validate_settings(m, json::object());
  REQUIRE_FALSE(missing.empty());
  CHECK_THAT(missing.front(), Contains("url"));

  const auto wrong = validate_settings(m, {{"url", "ftp://x"}, {"labels", {"a", 3}}});
  std::string all;
  for (const auto& line : wrong) all += line + "\n";
  CHECK_THAT(all, Contains("/settings/url: "));
  CHECK_THAT(all, Contains("/settings/labels/1: "));
}

// Who may call what: every route refuses a missing token (401) and every role it does not
// admit (403); the OpenAPI document lists exactly the routes the server has.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "api/auth.hpp"
#include "api/openapi.hpp"
#include "api_fixture.hpp"
#include "http/router.hpp"

using cxloop::testing::ApiFixture;
using cxloop::testing::test_backends;

namespace {

std::string concrete(const std::string& pattern) {
  return std::regex_replace(pattern, std::regex("\\{[a-z_*]+\\}"), "999999");
}

}  // namespace

TEST_CASE("every secured route needs a token and refuses the roles it does not admit",
          "[api][auth]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  const auto& entries = api.server().secured_routes().entries();
  REQUIRE(entries.size() > 30);
  for (const auto& entry : entries) {
    if (entry.is_public) continue;
    std::string path = concrete(entry.pattern);
    std::string body = entry.method == "GET" || entry.method == "DELETE" ? "" : "{}";
    INFO(entry.method << " " << entry.pattern);
    auto anonymous = api.request(entry.method, path, "", body);
    CHECK(anonymous.status == 401);
    auto bogus = api.request(entry.method, path, "raw:cxl_not_a_real_token", body);
    CHECK(bogus.status == 401);
    for (auto role :
         {cxloop::api::Role::agent, cxloop::api::Role::department, cxloop::api::Role::ingest}) {
      if (entry.roles.count(role) != 0) continue;
      auto refused = api.request(entry.method, path, cxloop::api::to_string(role), body);
      INFO("role " << cxloop::api::to_string(role));
      CHECK(refused.status == 403);
    }
    // admin is always admitted: whatever the answer, it is not an access refusal.
    auto admin = api.request(entry.method, path, "admin", body);
    CHECK(admin.status != 401);
    CHECK(admin.status != 403);
  }
}

TEST_CASE("a revoked token stops working at once", "[api][auth]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  auto created = api.post("/api/v1/tokens", {{"name", "temp"}, {"role", "agent"}});
  REQUIRE(created.status == 201);
  std::string secret = created.json()["secret"];
  CHECK(api.request("GET", "/api/v1/cases", "raw:" + secret).status == 200);
  auto listed = api.get("/api/v1/tokens").body;
  CHECK(listed.find(secret) == std::string::npos);  // secrets are never listed
  auto revoked = api.request(
      "DELETE", "/api/v1/tokens/" + std::to_string(created.json()["id"].get<long>()), "admin");
  CHECK(revoked.status == 200);
  CHECK(api.request("GET", "/api/v1/cases", "raw:" + secret).status == 401);
}

TEST_CASE("the OpenAPI document lists exactly the routes the server has", "[api][openapi]") {
  ApiFixture api("sqlite");
  auto document = nlohmann::json::parse(cxloop::api::openapi_document());
  std::set<std::string> documented;
  for (const auto& [path, methods] : document["paths"].items()) {
    for (const auto& [method, operation] : methods.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(upper + " " + std::regex_replace(path, std::regex("\\{\\*"), "{"));
    }
  }
  std::set<std::string> served;
  for (const auto& [method, pattern] : api.server().router().routes()) {
    // Plugin routes are described by each plugin's own documentation; the kernel's own hooks
    // (connector callbacks) are in the document, their {*rest} tail written {rest}.
    if (pattern.rfind("/plugins/", 0) == 0) continue;
    if (pattern.rfind("/hooks/", 0) == 0 && pattern.rfind("/hooks/connectors/", 0) != 0) continue;
    served.insert(method + " " + std::regex_replace(pattern, std::regex("\\{\\*"), "{"));
  }
  for (const auto& route : served) {
    INFO("served but not documented: " << route);
    CHECK(documented.count(route) == 1);
  }
  for (const auto& route : documented) {
    INFO("documented but not served: " << route);
    CHECK(served.count(route) == 1);
  }
  auto served_document = api.get("/api/v1/openapi.json", "");
  CHECK(served_document.status == 200);
  CHECK(served_document.json()["openapi"] == "3.0.3");
}

// Bad requests get a precise problem+json answer naming what to fix, and change nothing.
#include <catch2/catch.hpp>

#include "api_fixture.hpp"

using cxloop::testing::ApiFixture;
using cxloop::testing::test_backends;

namespace {

void check_problem(const cxloop::testing::ApiResponse& answer, int status,
                   const std::string& field = "") {
  INFO(answer.body);
  CHECK(answer.status == status);
  CHECK(answer.header("content-type").find("application/problem+json") == 0);
  auto body = answer.json();
  CHECK(body["status"] == status);
  CHECK_FALSE(body["detail"].get<std::string>().empty());
  if (!field.empty()) CHECK(body["field"] == field);
}

}  // namespace

TEST_CASE("malformed bodies are refused with a precise problem", "[api][validation]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  check_problem(api.request("POST", "/api/v1/cases", "admin", "{\"subject\": "), 400);
  check_problem(api.request("POST", "/api/v1/cases", "admin", "[1,2]"), 400);
  check_problem(api.request("POST", "/api/v1/cases", "admin", ""), 400);
  check_problem(api.request("POST", "/api/v1/cases", "admin", "{\"subject\":\"\xff\xfe\"}"), 400);
  check_problem(api.request("POST", "/api/v1/cases", "admin", "subject=x",
                            {{"Content-Type", "application/x-www-form-urlencoded"}}),
                415);
  CHECK(api.get("/api/v1/cases").json()["total"] == 0);
}

TEST_CASE("wrong types and unknown fields name the offending field", "[api][validation]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  nlohmann::json good{
      {"customer", {{"email", "v@example.test"}}}, {"subject", "Broken"}, {"body", "It is broken"}};
  auto wrong_type = good;
  wrong_type["subject"] = 42;
  check_problem(api.post("/api/v1/cases", wrong_type), 400, "/subject");
  auto unknown = good;
  unknown["subjcet"] = "typo";
  check_problem(api.post("/api/v1/cases", unknown), 400, "/subjcet");
  auto bad_priority = good;
  bad_priority["priority"] = "whenever";
  check_problem(api.post("/api/v1/cases", bad_priority), 400, "/priority");
  check_problem(api.post("/api/v1/customers", {{"email", "not an address"}}), 400, "/email");
  check_problem(api.post("/api/v1/customers", {{"phone", "call me maybe"}}), 400, "/phone");
  check_problem(api.post("/api/v1/problems", {{"title", "x"}, {"scope", {{"skus", "KT"}}}}), 400,
                "/scope/skus");
  check_problem(api.post("/api/v1/tokens", {{"name", "x"}, {"role", "superuser"}}), 400, "/role");
  CHECK(api.get("/api/v1/cases").json()["total"] == 0);
}

TEST_CASE("a body over the configured limit is refused with 413", "[api][validation]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  std::string huge = "{\"subject\":\"" + std::string(200 * 1024, 'x') + "\"}";
  auto answer = api.request("POST", "/api/v1/cases", "admin", huge);
  CHECK(answer.status == 413);
  // The server still answers afterwards.
  CHECK(api.get("/api/v1/cases").status == 200);
}

TEST_CASE("unknown routes and methods answer 404 and 405 as problems", "[api][validation]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  check_problem(api.get("/api/v1/nothing-here"), 404);
  auto wrong_method = api.request("PUT", "/api/v1/cases", "admin", "{}");
  check_problem(wrong_method, 405);
  CHECK_FALSE(wrong_method.header("allow").empty());
}

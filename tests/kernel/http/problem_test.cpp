// problem+json bodies (RFC 9457) and the status each domain error kind gets.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http/api_error.hpp"
#include "http/problem_response.hpp"
#include "workflow/domain_error.hpp"

using namespace cxloop;

TEST_CASE("A problem body carries type, title, status, detail, instance and field") {
  auto error = http::ApiError::bad_request("email must contain @", "/customer/email");
  auto body = nlohmann::json::parse(error.to_problem_json("/api/v1/customers"));
  CHECK(body["type"] == "https://cxloop.dev/problems/validation");
  CHECK(body["title"] == "Bad Request");
  CHECK(body["status"] == 400);
  CHECK(body["detail"] == "email must contain @");
  CHECK(body["instance"] == "/api/v1/customers");
  CHECK(body["field"] == "/customer/email");
}

TEST_CASE("A problem without a field has no field member") {
  auto body = nlohmann::json::parse(http::ApiError::not_found("no case 9").to_problem_json("/c/9"));
  CHECK(body["status"] == 404);
  CHECK(body["type"] == "https://cxloop.dev/problems/not-found");
  CHECK_FALSE(body.contains("field"));
}

TEST_CASE("A problem response has the problem+json content type") {
  auto response = http::problem_response(http::ApiError::conflict("taken", "/name"), "/x");
  CHECK(response.status == 409);
  CHECK(response.headers.at("content-type") == "application/problem+json");
  CHECK(nlohmann::json::parse(response.body)["field"] == "/name");
}

TEST_CASE("Each domain error kind maps to its HTTP status and keeps the field") {
  using workflow::DomainError;
  using workflow::ErrorKind;
  const std::vector<std::pair<ErrorKind, int>> expected = {
      {ErrorKind::invalid, 400},        {ErrorKind::not_found, 404}, {ErrorKind::conflict, 409},
      {ErrorKind::stale_revision, 412}, {ErrorKind::forbidden, 403}, {ErrorKind::unavailable, 503}};
  for (const auto& [kind, status] : expected) {
    auto error = http::to_api_error(DomainError(kind, "detail", "/f"));
    CHECK(error.status() == status);
    CHECK(error.field() == "/f");
    CHECK(std::string(error.what()) == "detail");
  }
}

TEST_CASE("Invalid UTF-8 in a detail does not break the problem body") {
  auto body = http::ApiError::bad_request("bad \xff byte").to_problem_json("/");
  CHECK(nlohmann::json::parse(body)["status"] == 400);
}

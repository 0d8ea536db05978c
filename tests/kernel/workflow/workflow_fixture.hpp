// A migrated, empty database on one backend with the workflow services wired over it, and
// an event bus whose deliveries the tests can inspect.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "test_databases.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/domain_services.hpp"

namespace cxloop::testing {

struct WorkflowFixture {
  explicit WorkflowFixture(const std::string& backend)
      : database(backend), context{database.db(), nullptr, {}, ""}, services(context) {}

  workflow::CaseService& cases() { return services.cases; }
  workflow::CustomerService& customers() { return services.customers; }
  workflow::ProblemService& problems() { return services.problems; }

  // A case by e-mail intake with the given subject; returns the intake result.
  nlohmann::json intake(const std::string& email, const std::string& subject = "Broken lid",
                        nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json request = {{"channel", "email"},
                              {"customer", {{"email", email}}},
                              {"subject", subject},
                              {"body", "The lid cracked on first use."}};
    for (auto& item : extra.items()) request[item.key()] = item.value();
    return services.cases.intake(request, agent);
  }

  std::int64_t intake_id(const std::string& email, const std::string& subject = "Broken lid",
                         nlohmann::json extra = nlohmann::json::object()) {
    return intake(email, subject, std::move(extra)).at("case").at("id").get<std::int64_t>();
  }

  TestDatabase database;
  workflow::WorkflowContext context;
  workflow::DomainServices services;
  workflow::Actor agent{"token:1", "agent"};
};

// The kind of DomainError that running f throws (fails the test when none is thrown).
template <typename F>
workflow::ErrorKind error_kind(F&& f) {
  try {
    f();
  } catch (const workflow::DomainError& error) {
    return error.kind();
  }
  FAIL("expected a DomainError");
  return workflow::ErrorKind::unavailable;
}

// The message of the DomainError that f throws.
template <typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const workflow::DomainError& error) {
    return error.what();
  }
  FAIL("expected a DomainError");
  return {};
}

}  // namespace cxloop::testing

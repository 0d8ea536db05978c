// The domain.verification block of the config file: defaults, values, and errors that name
// the key.
#include <catch2/catch.hpp>

#include "config/config.hpp"

using cxloop::config::ConfigError;
using cxloop::config::load_config_text;

namespace {

std::string errors_of(const std::string& text) {
  try {
    load_config_text(text);
  } catch (const ConfigError& error) {
    std::string all;
    for (const auto& line : error.errors()) all += line + "\n";
    return all;
  }
  FAIL("the config was accepted: " << text);
  return {};
}

}  // namespace

TEST_CASE("fix verification settings default to 14 days and a drop by half") {
  auto config = load_config_text("{}");
  CHECK(config.domain.verification.window_days == 14);
  CHECK(config.domain.verification.expected_drop == Approx(0.5));
  auto set = load_config_text(
      R"({"domain": {"verification": {"window_days": 30, "expected_drop": 0.8}}})");
  CHECK(set.domain.verification.window_days == 30);
  CHECK(set.domain.verification.expected_drop == Approx(0.8));
}

TEST_CASE("wrong fix verification settings are refused with their key path") {
  CHECK_THAT(errors_of(R"({"domain": {"verification": {"window_days": -1}}})"),
             Catch::Contains("/domain/verification/window_days"));
  CHECK_THAT(errors_of(R"({"domain": {"verification": {"expected_drop": 1.5}}})"),
             Catch::Contains("/domain/verification/expected_drop"));
  CHECK_THAT(errors_of(R"({"domain": {"verification": {"window": 7}}})"),
             Catch::Contains("/domain/verification"));
}

#include <catch2/catch.hpp>

#include "workflow/domain_error.hpp"
#include "workflow/phone_email.hpp"

using cxloop::workflow::DomainError;
using cxloop::workflow::normalise_email;
using cxloop::workflow::normalise_phone;

TEST_CASE("e-mail addresses are trimmed and lower-cased") {
  CHECK(normalise_email("  Ann.Smith@Example.COM ") == "ann.smith@example.com");
  CHECK(normalise_email("o'brien+tag@sub.example.co.uk") == "o'brien+tag@sub.example.co.uk");
}

TEST_CASE("malformed e-mail addresses are refused with a message saying what is wrong") {
  auto message = [](const std::string& email) {
    try {
      normalise_email(email);
    } catch (const DomainError& error) {
      CHECK(error.field() == "/email");
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(message("ann.example.com"), Catch::Contains("exactly one @"));
  CHECK_THAT(message("ann@@example.com"), Catch::Contains("exactly one @"));
  CHECK_THAT(message("@example.com"), Catch::Contains("nothing before the @"));
  CHECK_THAT(message("ann@localhost"), Catch::Contains("domain with a dot"));
  CHECK_THAT(message("ann@example..com"), Catch::Contains("domain with a dot"));
  CHECK_THAT(message("ann smith@example.com"), Catch::Contains("space"));
  CHECK_THAT(message("   "), Catch::Contains("empty"));
}

TEST_CASE("phone numbers are brought to E.164") {
  CHECK(normalise_phone("+44 (20) 7946-0958", "") == "+442079460958");
  CHECK(normalise_phone("0044 20 7946 0958", "") == "+442079460958");
  CHECK(normalise_phone("+1.555.010.0199", "") == "+15550100199");
}

TEST_CASE("a national number takes the configured default country code without its trunk 0") {
  CHECK(normalise_phone("020 7946 0958", "+44") == "+442079460958");
  CHECK(normalise_phone("(555) 010-0199", "1") == "+15550100199");
}

TEST_CASE("phone numbers without country code, with letters or of wrong length are refused") {
  auto message = [](const std::string& phone, const std::string& country) {
    try {
      normalise_phone(phone, country);
    } catch (const DomainError& error) {
      CHECK(error.field() == "/phone");
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(message("020 7946 0958", ""), Catch::Contains("no country code"));
  CHECK_THAT(message("+44 20 CALL NOW", ""), Catch::Contains("contains 'C'"));
  CHECK_THAT(message("+44 12", ""), Catch::Contains("between 7 and 15 digits"));
  CHECK_THAT(message("+4412345678901234", ""), Catch::Contains("between 7 and 15 digits"));
  CHECK_THAT(message("+0 20 7946 0958", ""), Catch::Contains("starting with 0"));
  CHECK_THAT(message("--", ""), Catch::Contains("no digits"));
}

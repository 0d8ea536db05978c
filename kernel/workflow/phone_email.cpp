#include "workflow/phone_email.hpp"

#include <algorithm>
#include <cctype>

#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"

namespace cxloop::workflow {

std::string normalise_email(const std::string& email, const std::string& field) {
  std::string value = trim(email);
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto fail = [&](const std::string& why) {
    return DomainError(
        ErrorKind::invalid,
        "e-mail address '" + email + "' " + why + "; send an address like name@example.com", field);
  };
  if (value.empty()) throw fail("is empty");
  if (value.size() > 254) throw fail("is longer than 254 characters");
  auto at = value.find('@');
  if (at == std::string::npos || value.find('@', at + 1) != std::string::npos) {
    throw fail("must contain exactly one @");
  }
  std::string local = value.substr(0, at);
  std::string domain = value.substr(at + 1);
  if (local.empty()) throw fail("has nothing before the @");
  auto dot = domain.find('.');
  if (domain.empty() || dot == std::string::npos || dot == 0 || domain.back() == '.' ||
      domain.find("..") != std::string::npos) {
    throw fail("needs a domain with a dot after the @");
  }
  for (unsigned char c : value) {
    if (std::isspace(c) || std::iscntrl(c) || c == '<' || c == '>' || c == ',' || c == ';') {
      throw fail("contains a space or a character not allowed in addresses");
    }
  }
  return value;
}

std::string normalise_phone(const std::string& phone, const std::string& default_country_code,
                            const std::string& field) {
  auto fail = [&](const std::string& why) {
    return DomainError(ErrorKind::invalid,
                       "phone number '" + phone + "' " + why +
                           "; send it in international form such as +44 20 7946 0958",
                       field);
  };
  std::string compact;
  for (unsigned char c : trim(phone)) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/') continue;
    if (c == '+' && compact.empty()) {
      compact += '+';
      continue;
    }
    if (!std::isdigit(c)) throw fail("contains '" + std::string(1, static_cast<char>(c)) + "'");
    compact += static_cast<char>(c);
  }
  if (compact.empty() || compact == "+") throw fail("has no digits");
  if (compact.rfind("00", 0) == 0) {
    compact = "+" + compact.substr(2);
  } else if (compact[0] != '+') {
    if (default_country_code.empty()) {
      throw fail("has no country code and no default country code is configured");
    }
    std::string national = compact[0] == '0' ? compact.substr(1) : compact;
    std::string country =
        default_country_code[0] == '+' ? default_country_code : "+" + default_country_code;
    compact = country + national;
  }
  // E.164: a country code starting 1-9 and at most 15 digits in all.
  std::size_t digits = compact.size() - 1;
  if (compact[1] == '0') throw fail("has a country code starting with 0");
  if (digits < 7 || digits > 15) throw fail("must have between 7 and 15 digits");
  return compact;
}

}  // namespace cxloop::workflow

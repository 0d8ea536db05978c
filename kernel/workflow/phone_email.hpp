// Normalising customer contact details, so that the same person writing from "Ann@Example.COM "
// and calling from "(020) 7946-0958" is found as one customer.
#pragma once

#include <string>

namespace cxloop::workflow {

// Trims and lower-cases an e-mail address and checks its shape (one @, a local part, a
// domain with a dot, no spaces). Throws DomainError(invalid, field) naming what is wrong.
std::string normalise_email(const std::string& email, const std::string& field = "/email");

// Brings a phone number to E.164 ("+442079460958"): drops spaces, dashes, dots and
// parentheses; "00" becomes "+"; a number without a country code gets default_country_code
// (its leading trunk 0 dropped), and is refused when no default is configured.
std::string normalise_phone(const std::string& phone, const std::string& default_country_code,
                            const std::string& field = "/phone");

}  // namespace cxloop::workflow

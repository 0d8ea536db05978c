// The email channel instance's settings (its plugin.json config_schema), with the defaults
// filled in. The kernel has already checked the shapes against the schema; from_json adds
// the rules a schema cannot say (a token when the mailgate is on, a host when POP3 is on).
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "mail/mail_settings.hpp"

namespace cxloop::plugins::email {

struct EmailSettings {
  std::string channel = "email";  // recorded on cases; the instance name, so replies route here
  std::string address;            // the support mailbox: From of replies
  std::string display_name = "Customer Service";
  bool mailgate_enabled = true;
  std::string mailgate_token;
  std::size_t max_message_bytes = 10 * 1024 * 1024;
  mail::SmtpSettings smtp;  // helo_name defaults to the domain of address
  mail::Pop3Settings pop3;
  mail::TlsSettings tls;

  // Throws std::invalid_argument naming the setting to fix.
  static EmailSettings from_json(const nlohmann::json& settings);
};

}  // namespace cxloop::plugins::email

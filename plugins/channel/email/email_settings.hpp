// The email channel instance's settings (its plugin.json config_schema), with the defaults
// filled in. The kernel has already checked the shapes against the schema; from_json adds
// the rules a schema cannot say (a token when the mailgate is on, a host when POP3 is on).
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace cxloop::plugins::email {

// TLS settings shared by the SMTP and POP3 clients.
struct TlsSettings {
  std::string ca_file;  // trust these certificates instead of the system's
  bool verify = true;   // false accepts any certificate (test set-ups only)
};

struct SmtpSettings {
  std::string host = "127.0.0.1";
  int port = 25;
  bool starttls = false;  // upgrade with STARTTLS before AUTH and MAIL
  std::string username;   // AUTH when not empty
  std::string password;
  std::string auth = "login";  // "login" or "plain"
  int timeout_s = 30;
  std::string helo_name;  // EHLO name; default: the domain of the support address
};

enum class Pop3Tls { none, starttls, implicit };

struct Pop3Settings {
  bool enabled = false;
  std::string host = "127.0.0.1";
  int port = 110;
  Pop3Tls tls = Pop3Tls::none;
  std::string username;
  std::string password;
  int interval_s = 60;
  int timeout_s = 30;
};

struct EmailSettings {
  std::string channel = "email";  // recorded on cases; the instance name, so replies route here
  std::string address;            // the support mailbox: From of replies
  std::string display_name = "Customer Service";
  bool mailgate_enabled = true;
  std::string mailgate_token;
  std::size_t max_message_bytes = 10 * 1024 * 1024;
  SmtpSettings smtp;
  Pop3Settings pop3;
  TlsSettings tls;

  // Throws std::invalid_argument naming the setting to fix.
  static EmailSettings from_json(const nlohmann::json& settings);
};

}  // namespace cxloop::plugins::email

// Settings blocks every mail-speaking plugin shares (the email channel, the email connector,
// the email notifier): how to reach an SMTP server, a POP3 mailbox, and which certificates to
// trust. Each plugin's plugin.json declares the same shapes under "smtp", "pop3" and "tls";
// the kernel has checked them against that schema before these readers fill in defaults.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cxloop::plugins::mail {

// TLS settings shared by the SMTP and POP3 clients.
struct TlsSettings {
  std::string ca_file;  // trust these certificates instead of the system's
  bool verify = true;   // false accepts any certificate (test set-ups only)

  // block: the "tls" object, or null for the defaults.
  static TlsSettings from_json(const nlohmann::json& block);
};

struct SmtpSettings {
  std::string host = "127.0.0.1";
  int port = 25;
  bool starttls = false;  // upgrade with STARTTLS before AUTH and MAIL
  std::string username;   // AUTH when not empty
  std::string password;
  std::string auth = "login";  // "login" or "plain"
  int timeout_s = 30;
  std::string helo_name;  // EHLO name

  // block: the "smtp" object, or null. default_helo is used when helo_name is not set
  // (usually the domain of the plugin's From address).
  static SmtpSettings from_json(const nlohmann::json& block, const std::string& default_helo);
  // "host:port", for messages.
  std::string server() const { return host + ":" + std::to_string(port); }
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

  // block: the "pop3" object, or null.
  static Pop3Settings from_json(const nlohmann::json& block);
  // "user@host:port", for messages.
  std::string mailbox() const { return username + "@" + host + ":" + std::to_string(port); }
};

// Sets target from object[key] when the key is present and not null.
template <typename T>
void read_setting(const nlohmann::json& object, const char* key, T& target) {
  if (!object.is_object()) return;
  auto it = object.find(key);
  if (it != object.end() && !it->is_null()) target = it->get<T>();
}

// The domain part of an address ("support@example.com" -> "example.com"), "" without '@'.
inline std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}

}  // namespace cxloop::plugins::mail

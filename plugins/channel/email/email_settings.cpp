#include "email_settings.hpp"

#include <stdexcept>

namespace cxloop::plugins::email {
using mail::read_setting;

EmailSettings EmailSettings::from_json(const nlohmann::json& settings) {
  EmailSettings s;
  read_setting(settings, "channel", s.channel);
  read_setting(settings, "address", s.address);
  read_setting(settings, "display_name", s.display_name);
  std::size_t max_bytes = s.max_message_bytes;
  read_setting(settings, "max_message_bytes", max_bytes);
  s.max_message_bytes = max_bytes;
  if (s.address.find('@') == std::string::npos) {
    throw std::invalid_argument(
        "settings.address must be the support mailbox address, e.g. "
        "support@example.com");
  }

  if (auto it = settings.find("mailgate"); it != settings.end()) {
    read_setting(*it, "enabled", s.mailgate_enabled);
    read_setting(*it, "token", s.mailgate_token);
  }
  if (s.mailgate_enabled && s.mailgate_token.size() < 16) {
    throw std::invalid_argument(
        "settings.mailgate.token must be a shared secret of at least 16 characters while "
        "settings.mailgate.enabled is true; the MTA sends it in the X-Mailgate-Token header");
  }

  const auto block = [&settings](const char* key) { return settings.value(key, nlohmann::json()); };
  s.smtp = mail::SmtpSettings::from_json(block("smtp"), mail::domain_of(s.address));
  s.pop3 = mail::Pop3Settings::from_json(block("pop3"));
  s.tls = mail::TlsSettings::from_json(block("tls"));
  if (s.pop3.enabled && s.pop3.username.empty()) {
    throw std::invalid_argument(
        "settings.pop3.username is required while settings.pop3.enabled "
        "is true");
  }

  return s;
}

}  // namespace cxloop::plugins::email

#include "email_settings.hpp"

#include <stdexcept>

namespace cxloop::plugins::email {
namespace {

template <typename T>
void read(const nlohmann::json& object, const char* key, T& target) {
  auto it = object.find(key);
  if (it != object.end() && !it->is_null()) target = it->get<T>();
}

}  // namespace

EmailSettings EmailSettings::from_json(const nlohmann::json& settings) {
  EmailSettings s;
  read(settings, "channel", s.channel);
  read(settings, "address", s.address);
  read(settings, "display_name", s.display_name);
  std::size_t max_bytes = s.max_message_bytes;
  read(settings, "max_message_bytes", max_bytes);
  s.max_message_bytes = max_bytes;
  if (s.address.find('@') == std::string::npos) {
    throw std::invalid_argument(
        "settings.address must be the support mailbox address, e.g. "
        "support@example.com");
  }

  if (auto it = settings.find("mailgate"); it != settings.end()) {
    read(*it, "enabled", s.mailgate_enabled);
    read(*it, "token", s.mailgate_token);
  }
  if (s.mailgate_enabled && s.mailgate_token.size() < 16) {
    throw std::invalid_argument(
        "settings.mailgate.token must be a shared secret of at least 16 characters while "
        "settings.mailgate.enabled is true; the MTA sends it in the X-Mailgate-Token header");
  }

  if (auto it = settings.find("smtp"); it != settings.end()) {
    const auto& smtp = *it;
    read(smtp, "host", s.smtp.host);
    read(smtp, "port", s.smtp.port);
    read(smtp, "starttls", s.smtp.starttls);
    read(smtp, "username", s.smtp.username);
    read(smtp, "password", s.smtp.password);
    read(smtp, "auth", s.smtp.auth);
    read(smtp, "timeout_s", s.smtp.timeout_s);
    read(smtp, "helo_name", s.smtp.helo_name);
  }
  if (s.smtp.helo_name.empty()) s.smtp.helo_name = s.address.substr(s.address.find('@') + 1);

  if (auto it = settings.find("pop3"); it != settings.end()) {
    const auto& pop3 = *it;
    read(pop3, "enabled", s.pop3.enabled);
    read(pop3, "host", s.pop3.host);
    read(pop3, "port", s.pop3.port);
    std::string tls = "none";
    read(pop3, "tls", tls);
    s.pop3.tls = tls == "starttls"   ? Pop3Tls::starttls
                 : tls == "implicit" ? Pop3Tls::implicit
                                     : Pop3Tls::none;
    read(pop3, "username", s.pop3.username);
    read(pop3, "password", s.pop3.password);
    read(pop3, "interval_s", s.pop3.interval_s);
    read(pop3, "timeout_s", s.pop3.timeout_s);
  }
  if (s.pop3.enabled && s.pop3.username.empty()) {
    throw std::invalid_argument(
        "settings.pop3.username is required while settings.pop3.enabled "
        "is true");
  }

  if (auto it = settings.find("tls"); it != settings.end()) {
    read(*it, "ca_file", s.tls.ca_file);
    read(*it, "verify", s.tls.verify);
  }
  return s;
}

}  // namespace cxloop::plugins::email

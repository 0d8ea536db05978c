#include "mail/mail_settings.hpp"

namespace cxloop::plugins::mail {

TlsSettings TlsSettings::from_json(const nlohmann::json& block) {
  TlsSettings s;
  read_setting(block, "ca_file", s.ca_file);
  read_setting(block, "verify", s.verify);
  return s;
}

SmtpSettings SmtpSettings::from_json(const nlohmann::json& block, const std::string& default_helo) {
  SmtpSettings s;
  read_setting(block, "host", s.host);
  read_setting(block, "port", s.port);
  read_setting(block, "starttls", s.starttls);
  read_setting(block, "username", s.username);
  read_setting(block, "password", s.password);
  read_setting(block, "auth", s.auth);
  read_setting(block, "timeout_s", s.timeout_s);
  read_setting(block, "helo_name", s.helo_name);
  if (s.helo_name.empty()) s.helo_name = default_helo;
  return s;
}

Pop3Settings Pop3Settings::from_json(const nlohmann::json& block) {
  Pop3Settings s;
  read_setting(block, "enabled", s.enabled);
  read_setting(block, "host", s.host);
  read_setting(block, "port", s.port);
  std::string tls = "none";
  read_setting(block, "tls", tls);
  s.tls = tls == "starttls"   ? Pop3Tls::starttls
          : tls == "implicit" ? Pop3Tls::implicit
                              : Pop3Tls::none;
  read_setting(block, "username", s.username);
  read_setting(block, "password", s.password);
  read_setting(block, "interval_s", s.interval_s);
  read_setting(block, "timeout_s", s.timeout_s);
  return s;
}

}  // namespace cxloop::plugins::mail

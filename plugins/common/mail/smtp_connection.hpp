// Sends one outbound mail over SMTP with Poco's SMTP client: plain or upgraded with STARTTLS
// (SecureSMTPClientSession), AUTH LOGIN/PLAIN when a user is configured. Failures say whether
// retrying can help: a 5xx answer to the message itself is permanent, everything else (no
// connection, timeouts, 4xx, TLS or AUTH trouble an admin can fix) is worth a retry.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "email_settings.hpp"

namespace cxloop::plugins::email {

struct OutboundEmail {
  std::string from_address;
  std::string from_name;
  std::string to_address;
  std::string to_name;
  std::string subject;                  // UTF-8; encoded as RFC 2047 words when needed
  std::string message_id;               // "<...>"
  std::string in_reply_to;              // "<...>" or ""
  std::vector<std::string> references;  // "<...>" each, oldest first
  std::string body;                     // UTF-8 plain text
};

class SmtpFailure : public std::runtime_error {
 public:
  SmtpFailure(bool permanent, const std::string& message)
      : std::runtime_error(message), permanent_(permanent) {}
  bool permanent() const noexcept { return permanent_; }

 private:
  bool permanent_;
};

// Throws SmtpFailure.
void send_mail(const SmtpSettings& smtp, const TlsSettings& tls, const OutboundEmail& mail);

}  // namespace cxloop::plugins::email

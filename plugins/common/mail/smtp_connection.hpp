// One SMTP client connection with Poco's SMTP client: plain or upgraded with STARTTLS
// (SecureSMTPClientSession), AUTH LOGIN/PLAIN when a user is configured. It can carry many
// messages one after another (the email notifier keeps a few open); send_mail is the
// one-message form. Failures say whether retrying can help: a 5xx answer to the message
// itself is permanent, everything else (no connection, timeouts, 4xx, TLS or AUTH trouble an
// admin can fix) is worth a retry.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "mail/mail_settings.hpp"
#include "mail/outbound_email.hpp"

namespace Poco::Net {
class SecureSMTPClientSession;
}

namespace cxloop::plugins::mail {

class SmtpFailure : public std::runtime_error {
 public:
  SmtpFailure(bool permanent, const std::string& message)
      : std::runtime_error(message), permanent_(permanent) {}
  bool permanent() const noexcept { return permanent_; }

 private:
  bool permanent_;
};

class SmtpConnection {
 public:
  // Connects, greets, upgrades and authenticates as the settings say. Throws SmtpFailure.
  SmtpConnection(const SmtpSettings& smtp, const TlsSettings& tls);
  // Sends QUIT when the connection is still usable; never throws.
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // Throws SmtpFailure. After a permanent refusal the transaction is reset and the connection
  // stays usable; after any other failure usable() is false.
  void send(const OutboundEmail& mail);
  // Whether the connection can take another message (the server may still have dropped it
  // since; ready() checks).
  bool usable() const { return usable_; }
  // Resets the server's transaction state (RSET); false, and no longer usable, when the
  // server does not answer 250, e.g. because it closed an idle connection.
  bool ready();
  // QUIT. Throws SmtpFailure when the server does not answer.
  void close();

 private:
  std::string server_;
  std::unique_ptr<Poco::Net::SecureSMTPClientSession> session_;
  bool usable_ = false;
};

// One message over a connection of its own. Throws SmtpFailure.
void send_mail(const SmtpSettings& smtp, const TlsSettings& tls, const OutboundEmail& mail);

}  // namespace cxloop::plugins::mail

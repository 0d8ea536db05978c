// Opens an authenticated POP3 session (Poco's POP3ClientSession) as the pop3 and tls settings
// say: "none" on the plain port, "implicit" with TLS from the first byte (POP3S, port 995),
// "starttls" sending STLS on the plain port and upgrading the same connection (Poco 1.11's
// POP3ClientSession has no STLS of its own, so the upgrade happens before the session takes
// the socket). Used by the email channel's poller and the email connector's reply polling.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "mail/mail_settings.hpp"

namespace Poco::Net {
class POP3ClientSession;
}

namespace cxloop::plugins::mail {

// The server answered a command with -ERR; the message names the command and the answer.
class Pop3Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws Pop3Failure or Poco exceptions (connection, TLS, timeouts).
std::unique_ptr<Poco::Net::POP3ClientSession> open_pop3_session(const Pop3Settings& pop3,
                                                                const TlsSettings& tls);

}  // namespace cxloop::plugins::mail

#include "mail/smtp_connection.hpp"

#include <regex>

#include <Poco/Exception.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Timespan.h>

#include "mail/tls_client_context.hpp"

namespace cxloop::plugins::mail {
namespace {

// The SMTP reply code of a Poco SMTPException: Poco passes it as the exception code; older
// paths only have it in the text.
int reply_code(const Poco::Exception& e) {
  if (e.code() >= 200 && e.code() < 600) return e.code();
  static const std::regex code(R"((?:^|\D)([245]\d\d)(?:[ -]|$))");
  std::smatch match;
  const std::string text = e.message();
  if (std::regex_search(text, match, code)) return std::stoi(match[1].str());
  return 0;
}

// The SmtpFailure for a Poco exception outside the message transaction: always retryable,
// with the setting an admin would look at.
SmtpFailure connection_failure(const std::string& server, const Poco::Exception& e) {
  if (dynamic_cast<const Poco::Net::SMTPException*>(&e) != nullptr) {
    return SmtpFailure(
        false, "SMTP dialogue with " + server +
                   " failed (check smtp.username, smtp.password, smtp.auth): " + e.displayText());
  }
  if (dynamic_cast<const Poco::Net::SSLException*>(&e) != nullptr) {
    return SmtpFailure(false, "TLS with the SMTP server " + server +
                                  " failed (check tls.ca_file): " + e.displayText());
  }
  return SmtpFailure(false, "cannot reach the SMTP server " + server + ": " + e.displayText());
}

// The session with Nagle's algorithm off. SMTP is a dialogue of small writes, and on a
// reused connection each command otherwise waits for the acknowledgement of the previous
// segment (about 40 ms a mail, measured in docs/benchmarks.md). Poco keeps the session's
// socket protected, hence the subclass.
class PromptSmtpSession : public Poco::Net::SecureSMTPClientSession {
 public:
  PromptSmtpSession(const std::string& host, Poco::UInt16 port)
      : Poco::Net::SecureSMTPClientSession(host, port) {
    socket().setNoDelay(true);
  }
};

}  // namespace

SmtpConnection::SmtpConnection(const SmtpSettings& smtp, const TlsSettings& tls)
    : server_(smtp.server()) {
  try {
    session_ = std::make_unique<PromptSmtpSession>(smtp.host, static_cast<Poco::UInt16>(smtp.port));
    session_->setTimeout(Poco::Timespan(smtp.timeout_s, 0));
    session_->login(smtp.helo_name);
    if (smtp.starttls && !session_->startTLS(make_tls_client_context(tls))) {
      throw SmtpFailure(false, "the SMTP server " + server_ +
                                   " does not offer STARTTLS; set smtp.starttls to false or use "
                                   "a server that supports it");
    }
    if (!smtp.username.empty()) {
      const auto method = smtp.auth == "plain" ? Poco::Net::SMTPClientSession::AUTH_PLAIN
                                               : Poco::Net::SMTPClientSession::AUTH_LOGIN;
      session_->login(smtp.helo_name, method, smtp.username, smtp.password);
    } else if (smtp.starttls) {
      session_->login(smtp.helo_name);  // EHLO again: the server forgets it across STARTTLS
    }
  } catch (const Poco::Exception& e) {
    throw connection_failure(server_, e);
  }
  usable_ = true;
}

SmtpConnection::~SmtpConnection() {
  if (!usable_) return;
  try {
    session_->close();
  } catch (const Poco::Exception&) {
    // The server went away first; there is nothing left to end.
  }
}

void SmtpConnection::send(const OutboundEmail& mail) {
  if (!usable_) throw SmtpFailure(false, "the connection to " + server_ + " is closed");
  Poco::Net::MailMessage message;
  compose(mail, message);
  try {
    session_->sendMessage(message);
  } catch (const Poco::Net::SMTPException& e) {
    const int code = reply_code(e);
    // 5xx to MAIL, RCPT or DATA: this message will never be accepted as it is.
    const bool permanent = code >= 500;
    usable_ = permanent && ready();
    throw SmtpFailure(permanent,
                      "the SMTP server " + server_ + " refused the message: " + e.displayText());
  } catch (const Poco::Exception& e) {
    usable_ = false;
    throw connection_failure(server_, e);
  }
}

bool SmtpConnection::ready() {
  if (session_ == nullptr) return false;
  try {
    std::string response;
    usable_ = session_->sendCommand("RSET", response) == 250;
  } catch (const Poco::Exception&) {
    usable_ = false;
  }
  return usable_;
}

void SmtpConnection::close() {
  usable_ = false;
  try {
    session_->close();
  } catch (const Poco::Exception& e) {
    throw connection_failure(server_, e);
  }
}

void send_mail(const SmtpSettings& smtp, const TlsSettings& tls, const OutboundEmail& mail) {
  SmtpConnection connection(smtp, tls);
  connection.send(mail);
  connection.close();
}

}  // namespace cxloop::plugins::mail

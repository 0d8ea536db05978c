#include "smtp_sender.hpp"

#include <regex>

#include <Poco/Exception.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Timespan.h>

#include "tls_client_context.hpp"

namespace cxloop::plugins::email {
namespace {

bool needs_encoding(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80 || c == '"' || c == '\\') return true;
  }
  return false;
}

std::string display_address(const std::string& name, const std::string& address) {
  if (name.empty()) return "<" + address + ">";
  const std::string shown =
      needs_encoding(name) ? Poco::Net::MailMessage::encodeWord(name, "UTF-8") : "\"" + name + "\"";
  return shown + " <" + address + ">";
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ' ';
    out += id;
  }
  return out;
}

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

void build_message(const OutboundEmail& mail, Poco::Net::MailMessage& message) {
  message.setSender(display_address(mail.from_name, mail.from_address));
  message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT,
                                                mail.to_address, mail.to_name));
  message.setSubject(needs_encoding(mail.subject)
                         ? Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8")
                         : mail.subject);
  message.set("Message-ID", mail.message_id);
  if (!mail.in_reply_to.empty()) message.set("In-Reply-To", mail.in_reply_to);
  if (!mail.references.empty()) message.set("References", joined(mail.references));
  message.set("Auto-Submitted", "auto-replied");
  message.setContentType("text/plain; charset=UTF-8");
  message.setContent(mail.body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
}

}  // namespace

void send_mail(const SmtpSettings& smtp, const TlsSettings& tls, const OutboundEmail& mail) {
  const std::string server = smtp.host + ":" + std::to_string(smtp.port);
  Poco::Net::MailMessage message;
  build_message(mail, message);
  try {
    Poco::Net::SecureSMTPClientSession session(smtp.host, static_cast<Poco::UInt16>(smtp.port));
    session.setTimeout(Poco::Timespan(smtp.timeout_s, 0));
    session.login(smtp.helo_name);
    if (smtp.starttls) {
      if (!session.startTLS(make_tls_client_context(tls))) {
        throw SmtpFailure(false, "the SMTP server " + server +
                                     " does not offer STARTTLS; set smtp.starttls to false or "
                                     "use a server that supports it");
      }
    }
    if (!smtp.username.empty()) {
      const auto method = smtp.auth == "plain" ? Poco::Net::SMTPClientSession::AUTH_PLAIN
                                               : Poco::Net::SMTPClientSession::AUTH_LOGIN;
      session.login(smtp.helo_name, method, smtp.username, smtp.password);
    } else if (smtp.starttls) {
      session.login(smtp.helo_name);  // EHLO again: the server forgets it across STARTTLS
    }
    try {
      session.sendMessage(message);
    } catch (const Poco::Net::SMTPException& e) {
      const int code = reply_code(e);
      // 5xx to MAIL, RCPT or DATA: this message will never be accepted as it is.
      throw SmtpFailure(code >= 500,
                        "the SMTP server " + server + " refused the message: " + e.displayText());
    }
    session.close();
  } catch (const SmtpFailure&) {
    throw;
  } catch (const Poco::Net::SMTPException& e) {
    throw SmtpFailure(false, "SMTP dialogue with " + server +
                                 " failed (check smtp.username, "
                                 "smtp.password, smtp.auth): " +
                                 e.displayText());
  } catch (const Poco::Net::SSLException& e) {
    throw SmtpFailure(false, "TLS with the SMTP server " + server +
                                 " failed (check tls.ca_file): " + e.displayText());
  } catch (const Poco::Exception& e) {
    throw SmtpFailure(false, "cannot reach the SMTP server " + server + ": " + e.displayText());
  }
}

}  // namespace cxloop::plugins::email

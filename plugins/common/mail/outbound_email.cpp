#include "mail/outbound_email.hpp"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/StringPartSource.h>

namespace cxloop::plugins::mail {
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

}  // namespace

void compose(const OutboundEmail& mail, Poco::Net::MailMessage& message) {
  message.setSender(display_address(mail.from_name, mail.from_address));
  message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT,
                                                mail.to_address, mail.to_name));
  message.setSubject(needs_encoding(mail.subject)
                         ? Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8")
                         : mail.subject);
  message.set("Message-ID", mail.message_id);
  if (!mail.in_reply_to.empty()) message.set("In-Reply-To", mail.in_reply_to);
  if (!mail.references.empty()) message.set("References", joined(mail.references));
  if (!mail.auto_submitted.empty()) message.set("Auto-Submitted", mail.auto_submitted);
  for (const auto& [name, value] : mail.headers) message.set(name, value);
  if (mail.html.empty()) {
    message.setContentType("text/plain; charset=UTF-8");
    message.setContent(mail.body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
    return;
  }
  // Poco keeps a multipart content type that is already set, so the parts become alternatives
  // instead of the multipart/mixed it would choose.
  message.setContentType("multipart/alternative");
  message.addContent(new Poco::Net::StringPartSource(mail.body, "text/plain; charset=UTF-8"),
                     Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  message.addContent(new Poco::Net::StringPartSource(mail.html, "text/html; charset=UTF-8"),
                     Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
}

}  // namespace cxloop::plugins::mail

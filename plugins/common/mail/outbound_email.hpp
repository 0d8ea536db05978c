// A mail one of the plugins sends (a reply to a customer, a task for a department, a
// notification), as plain fields, and its RFC 5322 form: UTF-8 headers encoded as RFC 2047
// words where needed, a quoted-printable text/plain body, or multipart/alternative when an
// HTML part is given (plain text first, so clients that cannot show HTML show the text).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace Poco::Net {
class MailMessage;
}

namespace cxloop::plugins::mail {

struct OutboundEmail {
  std::string from_address;
  std::string from_name;
  std::string to_address;
  std::string to_name;
  std::string subject;                  // UTF-8; encoded as RFC 2047 words when needed
  std::string message_id;               // "<...>"
  std::string in_reply_to;              // "<...>" or ""
  std::vector<std::string> references;  // "<...>" each, oldest first
  std::string auto_submitted;           // RFC 3834 Auto-Submitted value, "" for none
  std::vector<std::pair<std::string, std::string>> headers;  // further headers, ASCII values
  std::string body;                                          // UTF-8 plain text
  std::string html;  // UTF-8 HTML alternative, "" for a text-only mail
};

// Fills message (a fresh Poco MailMessage) from mail.
void compose(const OutboundEmail& mail, Poco::Net::MailMessage& message);

}  // namespace cxloop::plugins::mail

#include "mail/inbound_email.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/SHA1Engine.h>
#include <Poco/String.h>

#include "mail/charset_converter.hpp"
#include "mail/mail_rejection.hpp"
#include "mail/mime_content.hpp"

namespace cxloop::plugins::mail {
namespace {

// Real mail carries long Received: chains; Poco's default of 100 header fields is too few.
constexpr int kHeaderFieldLimit = 1000;

std::string single_line(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return Poco::trim(text);
}

// Header values are decoded by Poco; undeclared 8-bit bytes are made valid UTF-8 here.
std::string header_text(const Poco::Net::MailMessage& message, const std::string& name) {
  return single_line(to_utf8(message.get(name, ""), ""));
}

// The raw header block (up to the first empty line), before Poco decodes encoded words: Poco
// passes words in an unknown charset through undecoded, which would hide the problem.
void require_known_header_charsets(const std::string& raw) {
  std::size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) end = raw.find("\n\n");
  const std::string headers = raw.substr(0, end == std::string::npos ? raw.size() : end);
  static const std::regex encoded_word(R"(=\?([^?\s]+)\?[BbQq]\?)");
  for (auto it = std::sregex_iterator(headers.begin(), headers.end(), encoded_word);
       it != std::sregex_iterator(); ++it) {
    std::string charset = (*it)[1].str();
    const auto language = charset.find('*');  // RFC 2231 charset*language
    if (language != std::string::npos) charset.erase(language);
    if (!known_charset(charset)) {
      throw MailRejection(422, "a header uses the unknown charset '" + charset +
                                   "'; encode headers in UTF-8 or a standard charset");
    }
  }
}

bool plausible_address(const std::string& address) {
  const auto at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= address.size()) return false;
  if (address.find('@', at + 1) != std::string::npos) return false;
  for (char c : address) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == ',' ||
        c == ';' || c == '"') {
      return false;
    }
  }
  return address.find('.', at) != std::string::npos;
}

// "Name <a@b>", "<a@b>", "a@b (Name)" or "a@b".
void parse_from(const std::string& from, std::string& address, std::string& name) {
  const auto open = from.rfind('<');
  const auto close = open == std::string::npos ? open : from.find('>', open);
  if (open != std::string::npos && close != std::string::npos) {
    address = Poco::trim(from.substr(open + 1, close - open - 1));
    name = Poco::trim(from.substr(0, open));
  } else {
    const auto comment = from.find('(');
    address = Poco::trim(from.substr(0, comment));
    if (comment != std::string::npos) {
      const auto end = from.find(')', comment);
      name =
          Poco::trim(from.substr(comment + 1, end == std::string::npos ? end : end - comment - 1));
    }
  }
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  address = Poco::toLower(address);
}

// Where the body starts: after the first empty line, whichever line ending the sender used.
std::size_t body_offset(const std::string& raw) {
  const std::size_t crlf = raw.find("\r\n\r\n");
  const std::size_t lf = raw.find("\n\n");
  if (crlf == std::string::npos && lf == std::string::npos) return raw.size();
  if (lf == std::string::npos || (crlf != std::string::npos && crlf < lf)) return crlf + 4;
  return lf + 2;
}

std::string normalised_text(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      out += '\n';
      continue;
    }
    out += text[i];
  }
  const auto last = out.find_last_not_of(" \t\n");
  return last == std::string::npos ? std::string() : out.substr(0, last + 1);
}

}  // namespace

std::vector<std::string> message_ids_in(const std::string& header_value) {
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while ((pos = header_value.find('<', pos)) != std::string::npos) {
    const auto end = header_value.find('>', pos);
    if (end == std::string::npos) break;
    const std::string id = header_value.substr(pos, end - pos + 1);
    if (id.size() > 2 && id.find_first_of(" \t\r\n") == std::string::npos) ids.push_back(id);
    pos = end + 1;
  }
  return ids;
}

nlohmann::json InboundEmail::attributes() const {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& a : attachments) {
    files.push_back({{"name", a.name},
                     {"content_type", a.content_type},
                     {"size", a.size},
                     {"inline", a.inline_part}});
  }
  nlohmann::json email = {
      {"message_id", message_id}, {"from", from_address},   {"to", to},
      {"subject", subject},       {"date", date},           {"in_reply_to", in_reply_to},
      {"references", references}, {"html_only", html_only}, {"size", raw_size},
      {"attachments", files}};
  if (!from_name.empty()) email["from_name"] = from_name;
  if (message_id_generated) email["message_id_generated"] = true;
  return email;
}

InboundEmail parse_inbound_email(const std::string& raw, std::size_t max_bytes) {
  if (raw.size() > max_bytes) {
    throw MailRejection(413, "the message has " + std::to_string(raw.size()) +
                                 " bytes, more than max_message_bytes (" +
                                 std::to_string(max_bytes) + ")");
  }
  if (raw.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw MailRejection(400, "the message is empty; send the raw RFC 5322 message as the body");
  }
  require_known_header_charsets(raw);

  Poco::Net::MailMessage message;
  message.setFieldLimit(kHeaderFieldLimit);
  MimeContentCollector collector;
  std::istringstream stream(raw);
  try {
    message.read(stream, collector);
    if (!message.isMultipart()) {
      std::istringstream raw_body(raw.substr(std::min(raw.size(), body_offset(raw))));
      collector.add_single_part(message, raw_body);
    }
  } catch (const MailRejection&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw MailRejection(400, "malformed MIME message: " + e.displayText());
  } catch (const std::exception& e) {
    throw MailRejection(400, std::string("malformed MIME message: ") + e.what());
  }

  InboundEmail mail;
  mail.raw_size = raw.size();
  const std::string from = header_text(message, "From");
  if (from.empty()) {
    throw MailRejection(400,
                        "the message has no From header; cxloop needs the sender's "
                        "address to find the customer");
  }
  parse_from(from, mail.from_address, mail.from_name);
  if (!plausible_address(mail.from_address)) {
    throw MailRejection(400, "the From header '" + from +
                                 "' holds no usable email address; cxloop needs the sender's "
                                 "address to find the customer");
  }

  const auto ids = message_ids_in(header_text(message, "Message-ID"));
  if (!ids.empty()) {
    mail.message_id = ids.front();
  } else {
    // Without a Message-ID the content itself identifies a redelivery of the same message.
    Poco::SHA1Engine sha1;
    sha1.update(raw);
    mail.message_id =
        "<" + Poco::DigestEngine::digestToHex(sha1.digest()) + ".generated@cxloop.invalid>";
    mail.message_id_generated = true;
  }
  mail.subject = header_text(message, "Subject");
  if (mail.subject.empty()) mail.subject = "(no subject)";
  mail.to = header_text(message, "To");
  mail.date = header_text(message, "Date");
  mail.in_reply_to = message_ids_in(header_text(message, "In-Reply-To"));
  mail.references = message_ids_in(header_text(message, "References"));

  const MimeContent content = collector.content(message.get("Content-Type", "text/plain"));
  mail.text = normalised_text(content.text);
  mail.html_only = content.from_html;
  mail.attachments = content.attachments;
  return mail;
}

}  // namespace cxloop::plugins::mail

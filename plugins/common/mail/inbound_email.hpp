// An inbound mail as the email channel stores it: the sender, the threading headers and one
// UTF-8 text body, with attachments reduced to their names and sizes. parse_inbound_email
// reads a raw RFC 5322 message (MIME multipart, quoted-printable, base64, any charset Poco
// knows, HTML-only bodies turned into text) and refuses what it cannot read with a
// MailRejection that names the reason.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cxloop::plugins::mail {

struct Attachment {
  std::string name;          // from Content-Disposition or Content-Type; may be ""
  std::string content_type;  // e.g. application/pdf
  std::size_t size = 0;      // decoded bytes
  bool inline_part = false;  // Content-Disposition: inline (images of an HTML mail)
};

struct InboundEmail {
  std::string message_id;  // "<local@domain>"; made up from the content when absent
  bool message_id_generated = false;
  std::string from_address;              // lower-case address of the From header
  std::string from_name;                 // display name, "" when none
  std::string subject;                   // "(no subject)" when the header is missing or empty
  std::string to;                        // the To header as written (decoded)
  std::string date;                      // the Date header as written
  std::vector<std::string> in_reply_to;  // Message-IDs, each "<...>"
  std::vector<std::string> references;   // oldest first, each "<...>"
  std::string text;                      // the body as UTF-8 plain text (may be empty)
  bool html_only = false;                // text was converted from text/html
  std::vector<Attachment> attachments;
  std::size_t raw_size = 0;

  // The summary kept in the case message's attributes ("email": {...}).
  nlohmann::json attributes() const;
};

// Throws MailRejection: 413 when raw is larger than max_bytes, 400 for malformed headers or
// MIME structure and a missing or unusable From address, 422 for an unknown charset.
InboundEmail parse_inbound_email(const std::string& raw, std::size_t max_bytes);

// The "<...>" Message-IDs in a header value such as References, in order.
std::vector<std::string> message_ids_in(const std::string& header_value);

}  // namespace cxloop::plugins::mail

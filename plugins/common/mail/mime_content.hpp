// The body of a MIME message reduced to what a case message needs: one UTF-8 text (plain
// preferred, HTML converted when that is all there is) and the attachments' names and sizes.
// MimeContentCollector is the Poco PartHandler given to MailMessage::read; Poco hands it the
// top-level parts, and it descends into nested multiparts itself (Poco does not).
#pragma once

#include <istream>
#include <string>
#include <vector>

#include <Poco/Net/PartHandler.h>

#include "mail/inbound_email.hpp"

namespace Poco::Net {
class MessageHeader;
}

namespace cxloop::plugins::mail {

// What one MIME entity (a leaf part or a whole multipart) contributes.
struct MimeContent {
  std::string text;        // UTF-8 plain text
  bool from_html = false;  // text was converted from HTML
  std::vector<Attachment> attachments;
};

class MimeContentCollector : public Poco::Net::PartHandler {
 public:
  // Called by MailMessage::read with each top-level part, transfer encoding already decoded.
  // Throws MailRejection or Poco exceptions for content it cannot read.
  void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override;

  // The body of a single-part message, still in its Content-Transfer-Encoding: Poco's
  // MailMessage::read does not hand a single-part body to the PartHandler, and its own
  // decoding hides invalid base64 as an empty body.
  void add_single_part(const Poco::Net::MessageHeader& header, std::istream& raw_body);

  // The message's content, given its top-level Content-Type (multipart/alternative picks one
  // part; any other multipart joins its parts).
  MimeContent content(const std::string& top_level_content_type) const;

 private:
  std::vector<MimeContent> parts_;
};

}  // namespace cxloop::plugins::mail

#include "mail/mime_content.hpp"

#include <cctype>
#include <memory>
#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/QuotedPrintableDecoder.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "mail/charset_converter.hpp"
#include "mail/html_text.hpp"
#include "mail/mail_rejection.hpp"

namespace cxloop::plugins::mail {
namespace {

// Deeper nesting than this is not mail a person wrote; it is refused rather than recursed.
constexpr int kMaxDepth = 16;

std::string lower(std::string text) { return Poco::toLower(Poco::trim(text)); }

struct HeaderValue {
  std::string value;  // lower-cased main value ("text/plain", "attachment")
  Poco::Net::NameValueCollection parameters;
};

HeaderValue split_header(const Poco::Net::MessageHeader& header, const std::string& name,
                         const std::string& fallback) {
  HeaderValue result;
  Poco::Net::MessageHeader::splitParameters(header.get(name, fallback), result.value,
                                            result.parameters);
  result.value = lower(result.value);
  return result;
}

// RFC 2231 parameter value: charset'language'percent-encoded-text.
std::string rfc2231_value(const std::string& encoded) {
  const auto first = encoded.find('\'');
  const auto second = first == std::string::npos ? first : encoded.find('\'', first + 1);
  if (second == std::string::npos) return encoded;
  std::string decoded;
  try {
    Poco::URI::decode(encoded.substr(second + 1), decoded);
  } catch (const Poco::Exception&) {
    return encoded;
  }
  return to_utf8(decoded, encoded.substr(0, first));
}

std::string parameter(const HeaderValue& header, const std::string& name) {
  if (header.parameters.has(name + "*")) return rfc2231_value(header.parameters.get(name + "*"));
  if (header.parameters.has(name)) return header.parameters.get(name);
  return {};
}

// Decoder streams report bad input (e.g. a character outside base64) by setting badbit, not
// by throwing; reading must check, or a broken part would pass as an empty one.
void require_decoded(const std::istream& stream) {
  if (stream.bad()) {
    throw MailRejection(400,
                        "a MIME part cannot be decoded: its content does not match its "
                        "Content-Transfer-Encoding (e.g. characters outside base64)");
  }
}

std::size_t count_bytes(std::istream& stream) {
  char buffer[8192];
  std::size_t total = 0;
  while (stream) {
    stream.read(buffer, sizeof buffer);
    total += static_cast<std::size_t>(stream.gcount());
  }
  require_decoded(stream);
  return total;
}

std::string read_all(std::istream& stream) {
  std::string text;
  Poco::StreamCopier::copyToString(stream, text);
  require_decoded(stream);
  return text;
}

MimeContent read_entity(const Poco::Net::MessageHeader& header, std::istream& body, int depth);

// Runs read_entity over body after undoing the part's Content-Transfer-Encoding.
MimeContent read_encoded_entity(const Poco::Net::MessageHeader& header, std::istream& body,
                                int depth) {
  const std::string encoding = lower(header.get("Content-Transfer-Encoding", "7bit"));
  if (encoding == "base64") {
    Poco::Base64Decoder decoder(body);
    return read_entity(header, decoder, depth);
  }
  if (encoding == "quoted-printable") {
    Poco::Net::QuotedPrintableDecoder decoder(body);
    return read_entity(header, decoder, depth);
  }
  return read_entity(header, body, depth);
}

MimeContent combine(const std::string& multipart_type, std::vector<MimeContent> parts) {
  MimeContent result;
  if (multipart_type == "multipart/alternative") {
    // The sender offers the same content several ways; plain text is what agents read best.
    const MimeContent* chosen = nullptr;
    for (const auto& part : parts) {
      if (!part.text.empty() && !part.from_html) {
        chosen = &part;
        break;
      }
    }
    for (const auto& part : parts) {
      if (chosen == nullptr && !part.text.empty()) chosen = &part;
    }
    if (chosen == nullptr && !parts.empty()) chosen = &parts.front();
    if (chosen != nullptr) result = *chosen;
    return result;
  }
  bool any_text = false;
  bool all_html = true;
  for (auto& part : parts) {
    if (!part.text.empty()) {
      if (!result.text.empty()) result.text += "\n\n";
      result.text += part.text;
      any_text = true;
      all_html = all_html && part.from_html;
    }
    for (auto& attachment : part.attachments) result.attachments.push_back(std::move(attachment));
  }
  result.from_html = any_text && all_html;
  return result;
}

MimeContent read_multipart(const HeaderValue& type, std::istream& body, int depth) {
  const std::string boundary = parameter(type, "boundary");
  if (boundary.empty()) {
    throw MailRejection(400, "a " + type.value +
                                 " part has no boundary parameter, so its parts cannot be "
                                 "found; the message is malformed");
  }
  Poco::Net::MultipartReader reader(body, boundary);
  std::vector<MimeContent> parts;
  while (reader.hasNextPart()) {
    Poco::Net::MessageHeader part_header;
    reader.nextPart(part_header);
    parts.push_back(read_encoded_entity(part_header, reader.stream(), depth + 1));
  }
  return combine(type.value, std::move(parts));
}

MimeContent read_entity(const Poco::Net::MessageHeader& header, std::istream& body, int depth) {
  if (depth > kMaxDepth) {
    throw MailRejection(400, "MIME parts are nested more than " + std::to_string(kMaxDepth) +
                                 " levels deep; the message is malformed");
  }
  const HeaderValue type = split_header(header, "Content-Type", "text/plain");
  if (type.value.rfind("multipart/", 0) == 0) return read_multipart(type, body, depth);

  const HeaderValue disposition = split_header(header, "Content-Disposition", "");
  std::string name = parameter(disposition, "filename");
  if (name.empty()) name = parameter(type, "name");
  const bool is_text = type.value == "text/plain" || type.value == "text/html";
  const bool attachment =
      disposition.value == "attachment" || !is_text || (!name.empty() && disposition.value.empty());

  MimeContent content;
  if (attachment) {
    Attachment item;
    item.name = to_utf8(name, "");
    item.content_type = type.value;
    item.inline_part = disposition.value == "inline";
    item.size = count_bytes(body);
    content.attachments.push_back(std::move(item));
    return content;
  }
  const std::string text = to_utf8(read_all(body), parameter(type, "charset"));
  if (type.value == "text/html") {
    content.text = html_to_text(text);
    content.from_html = true;
  } else {
    content.text = text;
  }
  return content;
}

}  // namespace

void MimeContentCollector::handlePart(const Poco::Net::MessageHeader& header,
                                      std::istream& stream) {
  parts_.push_back(read_entity(header, stream, 1));
}

void MimeContentCollector::add_single_part(const Poco::Net::MessageHeader& header,
                                           std::istream& raw_body) {
  parts_.push_back(read_encoded_entity(header, raw_body, 1));
}

MimeContent MimeContentCollector::content(const std::string& top_level_content_type) const {
  std::string type;
  Poco::Net::NameValueCollection ignored;
  Poco::Net::MessageHeader::splitParameters(top_level_content_type, type, ignored);
  type = lower(type);
  if (parts_.size() == 1 && type.rfind("multipart/", 0) != 0) return parts_.front();
  return combine(type, parts_);
}

}  // namespace cxloop::plugins::mail

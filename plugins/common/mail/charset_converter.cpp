#include "mail/charset_converter.hpp"

#include <mutex>

#include <Poco/Encodings.h>
#include <Poco/TextConverter.h>
#include <Poco/TextEncoding.h>
#include <Poco/UTF8Encoding.h>

#include "mail/mail_rejection.hpp"

namespace cxloop::plugins::mail {
namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\"'");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\"'");
  return text.substr(first, last - first + 1);
}

}  // namespace

void register_mail_encodings() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::registerExtraEncodings(); });
}

bool known_charset(const std::string& charset) {
  register_mail_encodings();
  const std::string name = trimmed(charset);
  return name.empty() || !Poco::TextEncoding::find(name).isNull();
}

bool is_valid_utf8(const std::string& text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned int min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + length > n) return false;
    unsigned int code = c & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

std::string truncate_utf8(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Step back over continuation bytes to the start of the cut sequence.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string to_utf8(const std::string& bytes, const std::string& charset) {
  register_mail_encodings();
  std::string name = trimmed(charset);
  if (name.empty()) {
    if (is_valid_utf8(bytes)) return bytes;
    name = "windows-1252";
  }
  Poco::TextEncoding::Ptr source = Poco::TextEncoding::find(name);
  if (source.isNull()) {
    throw MailRejection(422, "the charset '" + name +
                                 "' is unknown; send the message as UTF-8 or in a standard "
                                 "charset (ISO-8859-x, Windows-125x, ...)");
  }
  Poco::UTF8Encoding utf8;
  // U+FFFD marks bytes that are invalid in the declared charset instead of dropping them.
  Poco::TextConverter converter(*source, utf8, 0xFFFD);
  std::string out;
  converter.convert(bytes, out);
  return out;
}

}  // namespace cxloop::plugins::mail

// Text of a MIME part or header word, converted from its declared charset to UTF-8 with
// Poco's encodings (the extra ones from PocoEncodings included). An unknown charset is a
// MailRejection, never a silent guess: a body read in the wrong charset is worse than a
// refusal that names the charset.
#pragma once

#include <string>

namespace cxloop::plugins::mail {

// Registers Poco's extra encodings (ISO-8859-x, Windows-125x, ...) once per process.
void register_mail_encodings();

// True when Poco knows the charset (names are case-insensitive; "" counts as US-ASCII).
bool known_charset(const std::string& charset);

// bytes in charset as UTF-8. An empty charset means "not declared": valid UTF-8 is kept,
// anything else is read as Windows-1252 (the usual undeclared 8-bit mail).
// Throws MailRejection (422) for an unknown charset.
std::string to_utf8(const std::string& bytes, const std::string& charset);

// True when text is well-formed UTF-8.
bool is_valid_utf8(const std::string& text);

// text cut to at most max_bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(const std::string& text, std::size_t max_bytes);

}  // namespace cxloop::plugins::mail

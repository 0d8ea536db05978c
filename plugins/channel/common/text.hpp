// Small text helpers the bundled channels share: trimming contact fields and turning a
// message into a case subject. Header-only so each plugin stays one self-contained library.
#pragma once

#include <cstddef>
#include <string>

namespace cxloop::channels {

// text without leading and trailing spaces, tabs and line breaks.
inline std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The first line of text, at most max_bytes, cut at a UTF-8 character boundary (with "…"
// when cut): a case subject made from the message.
inline std::string first_line(const std::string& text, std::size_t max_bytes) {
  std::string line = trimmed(text.substr(0, text.find('\n')));
  if (line.size() <= max_bytes) return line;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return line.substr(0, cut) + "…";
}

}  // namespace cxloop::channels

// Escaping text for HTML pages the bundled channels serve (the web form, the chat widget).
// Header-only so each plugin stays one self-contained library.
#pragma once

#include <string>

namespace cxloop::channels {

// Text safe inside HTML element content and quoted attribute values.
inline std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace cxloop::channels

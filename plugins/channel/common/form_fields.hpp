// application/x-www-form-urlencoded bodies (HTML forms, SMS gateway webhooks) decoded into
// name/value pairs. Shared by the bundled channel plugins; header-only so each plugin stays
// one self-contained library.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace cxloop::channels {

// A body that is not valid form encoding (a bad %-escape).
class FormEncodingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// '+' is a space and %XX a byte, as browsers and gateways encode form fields.
inline std::string form_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        throw FormEncodingError("the form body has a '%' not followed by two hex digits at byte " +
                                std::to_string(i));
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Fields in name order. A name given twice keeps its last value (forms here have no
// multi-valued fields).
inline std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const std::string pair = body.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string name = form_decode(pair.substr(0, eq));
      const std::string value = eq == std::string::npos ? "" : form_decode(pair.substr(eq + 1));
      fields[name] = value;
    }
    start = end + 1;
  }
  return fields;
}

// The media type of a Content-Type header value, lower-case, without parameters.
inline std::string media_type(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  std::string out;
  for (char c : type) {
    if (c != ' ' && c != '\t') out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

// The client's address without its port ("127.0.0.1:5000" -> "127.0.0.1", "[::1]:5000" ->
// "::1"): rate limits and logs are per host, not per connection.
inline std::string client_host(const std::string& remote_addr) {
  if (!remote_addr.empty() && remote_addr.front() == '[') {
    const std::size_t close = remote_addr.find(']');
    return close == std::string::npos ? remote_addr : remote_addr.substr(1, close - 1);
  }
  const std::size_t colon = remote_addr.rfind(':');
  if (colon == std::string::npos || remote_addr.find(':') != colon) return remote_addr;
  return remote_addr.substr(0, colon);
}

}  // namespace cxloop::channels

#include "mail/html_text.hpp"

#include <cctype>
#include <cstdint>
#include <map>

namespace cxloop::plugins::mail {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) code = 0xFFFD;
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// The named entities mail clients actually produce; others stay as written.
const std::map<std::string, std::uint32_t>& named_entities() {
  static const std::map<std::string, std::uint32_t> entities = {
      {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
      {"apos", '\''},    {"nbsp", 0xA0},    {"copy", 0xA9},    {"reg", 0xAE},
      {"trade", 0x2122}, {"euro", 0x20AC},  {"pound", 0xA3},   {"yen", 0xA5},
      {"cent", 0xA2},    {"sect", 0xA7},    {"deg", 0xB0},     {"hellip", 0x2026},
      {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
      {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bull", 0x2022},  {"middot", 0xB7},
      {"laquo", 0xAB},   {"raquo", 0xBB},   {"times", 0xD7},   {"divide", 0xF7},
      {"auml", 0xE4},    {"ouml", 0xF6},    {"uuml", 0xFC},    {"Auml", 0xC4},
      {"Ouml", 0xD6},    {"Uuml", 0xDC},    {"szlig", 0xDF},   {"eacute", 0xE9},
      {"egrave", 0xE8},  {"ecirc", 0xEA},   {"aacute", 0xE1},  {"agrave", 0xE0},
      {"acirc", 0xE2},   {"ccedil", 0xE7},  {"ntilde", 0xF1},  {"oacute", 0xF3},
      {"uacute", 0xFA},  {"iacute", 0xED},  {"Eacute", 0xC9},  {"aring", 0xE5},
      {"oslash", 0xF8},  {"aelig", 0xE6},   {"shy", 0xAD},     {"zwnj", 0x200C},
      {"zwj", 0x200D}};
  return entities;
}

// Decodes the entity starting at html[i] == '&' into out; returns the index after it, or i + 1
// (with '&' appended) when it is not an entity.
std::size_t decode_entity(const std::string& html, std::size_t i, std::string& out) {
  const std::size_t semicolon = html.find(';', i + 1);
  if (semicolon == std::string::npos || semicolon - i > 12) {
    out += '&';
    return i + 1;
  }
  const std::string name = html.substr(i + 1, semicolon - i - 1);
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) {
      out += '&';
      return i + 1;
    }
    std::uint32_t code = 0;
    for (char c : digits) {
      const int digit = std::isdigit(static_cast<unsigned char>(c))
                            ? c - '0'
                            : (hex && std::isxdigit(static_cast<unsigned char>(c))
                                   ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                                   : -1);
      if (digit < 0) {
        out += '&';
        return i + 1;
      }
      code = code * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
      if (code > 0x10FFFF) code = 0x110000;  // stays invalid, replaced below
    }
    append_utf8(out, code);
    return semicolon + 1;
  }
  const auto found = named_entities().find(name);
  if (found == named_entities().end()) {
    out += '&';
    return i + 1;
  }
  append_utf8(out, found->second == 0xA0 ? ' ' : found->second);
  return semicolon + 1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

// Appends text with HTML's whitespace rule: runs of whitespace are one space.
void append_collapsed(std::string& out, char c) {
  if (is_space(c)) {
    if (!out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
    return;
  }
  out += c;
}

// Ends the current line (no trailing blanks); blank_line asks for an empty line after it.
void break_line(std::string& out, bool blank_line) {
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.empty()) return;
  if (out.back() != '\n') out += '\n';
  if (blank_line && (out.size() < 2 || out[out.size() - 2] != '\n')) out += '\n';
}

}  // namespace

std::string html_to_text(const std::string& html) {
  std::string out;
  std::size_t i = 0;
  const std::size_t n = html.size();
  while (i < n) {
    const char c = html[i];
    if (c == '&') {
      i = decode_entity(html, i, out);
      continue;
    }
    if (c != '<') {
      append_collapsed(out, c);
      ++i;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string::npos ? n : end + 3;
      continue;
    }
    const std::size_t close = html.find('>', i + 1);
    if (close == std::string::npos) break;  // a cut-off tag at the end carries no text
    std::string tag = html.substr(i + 1, close - i - 1);
    i = close + 1;
    const bool closing = !tag.empty() && tag[0] == '/';
    std::size_t name_start = closing ? 1 : 0;
    std::size_t name_end = name_start;
    while (name_end < tag.size() && std::isalnum(static_cast<unsigned char>(tag[name_end]))) {
      ++name_end;
    }
    const std::string name = lower(tag.substr(name_start, name_end - name_start));
    if (!closing && (name == "script" || name == "style" || name == "head" || name == "title")) {
      // Their content is not part of the message text; skip to the matching end tag.
      const std::string lowered_rest = lower(html.substr(i));
      const std::size_t end = lowered_rest.find("</" + name);
      if (end == std::string::npos) {
        i = n;
      } else {
        const std::size_t end_close = html.find('>', i + end);
        i = end_close == std::string::npos ? n : end_close + 1;
      }
      continue;
    }
    if (name == "br") {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += '\n';
    } else if (name == "p" || name == "div" || name == "blockquote" || name == "pre" ||
               name == "table" || name == "ul" || name == "ol" ||
               (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6')) {
      break_line(out, name == "p" || name[0] == 'h' || name == "blockquote");
    } else if (name == "tr" || name == "hr") {
      break_line(out, false);
    } else if (name == "li") {
      break_line(out, false);
      if (!closing) out += "- ";
    } else if (name == "td" || name == "th") {
      if (!closing && !out.empty() && out.back() != '\n') out += '\t';
    }
  }
  // Trim trailing blanks of every line and surplus empty lines at both ends.
  std::string text;
  text.reserve(out.size());
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (out[k] == '\n') {
      while (!text.empty() && text.back() == ' ') text.pop_back();
    }
    text += out[k];
  }
  const std::size_t first = text.find_first_not_of(" \n");
  if (first == std::string::npos) return {};
  const std::size_t last = text.find_last_not_of(" \n");
  return text.substr(first, last - first + 1);
}

}  // namespace cxloop::plugins::mail

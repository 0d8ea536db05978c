#include "long_text.hpp"

#include "sms_segments.hpp"

namespace cxloop::plugins::sms_notifier {
namespace {

using channels::sms::count_segments;

bool fits(const std::string& text, int max_segments) {
  return count_segments(text).segments <= max_segments;
}

// Byte offsets where a UTF-8 code point starts, plus the end.
std::vector<std::size_t> boundaries(const std::string& text) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) out.push_back(i);
  }
  out.push_back(text.size());
  return out;
}

// The byte length of the longest head of text that, between prefix and suffix, fits
// max_segments: a whole word cut where the text has a space in the second half of that head.
std::size_t head_length(const std::string& text, const std::string& prefix,
                        const std::string& suffix, int max_segments) {
  const std::vector<std::size_t> cuts = boundaries(text);
  // More characters never need fewer segments, so the fitting heads are a prefix of cuts.
  std::size_t low = 0, high = cuts.size() - 1;
  while (low < high) {
    const std::size_t middle = (low + high + 1) / 2;
    if (fits(prefix + text.substr(0, cuts[middle]) + suffix, max_segments)) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  const std::size_t length = cuts[low];
  if (length == text.size()) return length;
  const std::size_t space = text.rfind(' ', length);
  if (space != std::string::npos && space >= length / 2 && space > 0) return space;
  return length;
}

std::string trimmed_start(const std::string& text) {
  const auto first = text.find_first_not_of(" \n");
  return first == std::string::npos ? std::string() : text.substr(first);
}

std::vector<std::string> split(const std::string& text, int max_segments,
                               const std::string& placeholder) {
  std::vector<std::string> parts;
  std::string rest = text;
  while (!rest.empty()) {
    std::size_t length = head_length(rest, placeholder, "", max_segments);
    if (length == 0) length = boundaries(rest)[1];  // always move on
    std::string part = rest.substr(0, length);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\n')) part.pop_back();
    parts.push_back(part);
    rest = trimmed_start(rest.substr(length));
  }
  return parts;
}

}  // namespace

std::vector<std::string> sms_messages(const std::string& text, int max_segments, LongText mode) {
  if (fits(text, max_segments)) return {text};
  if (mode == LongText::truncate) {
    std::string head = text.substr(0, head_length(text, "", "...", max_segments));
    while (!head.empty() && (head.back() == ' ' || head.back() == '\n')) head.pop_back();
    return {head + "..."};
  }
  // Numbered parts: the numbering takes room in every part, so the text is split with a
  // placeholder as wide as the numbers will be.
  std::vector<std::string> parts = split(text, max_segments, "(0/0) ");
  if (parts.size() >= 10) parts = split(text, max_segments, "(00/00) ");
  const std::string total = std::to_string(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string number = std::to_string(i + 1);
    if (parts.size() >= 10 && number.size() < 2) number = "0" + number;
    parts[i] = "(" + number + "/" + total + ") " + parts[i];
  }
  return parts;
}

}  // namespace cxloop::plugins::sms_notifier

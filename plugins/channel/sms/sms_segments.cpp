#include "sms_segments.hpp"

#include <cstdint>
#include <vector>

namespace cxloop::channels::sms {
namespace {

// Code points in the GSM 03.38 default alphabet (one septet each).
bool gsm_basic(std::uint32_t c) {
  static const std::u32string table =
      U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
      U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  return table.find(static_cast<char32_t>(c)) != std::u32string::npos;
}

// Characters of the extension table (an escape septet plus one: two septets each).
bool gsm_extension(std::uint32_t c) {
  static const std::u32string table = U"^{}\\[~]|€\f";
  return table.find(static_cast<char32_t>(c)) != std::u32string::npos;
}

// Decodes UTF-8; a malformed byte counts as U+FFFD (which forces UCS-2, the safe side).
std::vector<std::uint32_t> code_points(const std::string& text) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    int length = byte < 0x80           ? 1
                 : (byte >> 5) == 0x6  ? 2
                 : (byte >> 4) == 0xE  ? 3
                 : (byte >> 3) == 0x1E ? 4
                                       : 0;
    if (length == 0 || i + static_cast<std::size_t>(length) > text.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    std::uint32_t c = length == 1 ? byte : byte & (0x7F >> length);
    for (int k = 1; k < length; ++k)
      c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.push_back(c);
    i += static_cast<std::size_t>(length);
  }
  return out;
}

int segments_for(int units, int single, int concatenated) {
  if (units <= single) return 1;
  return (units + concatenated - 1) / concatenated;
}

}  // namespace

SegmentCount count_segments(const std::string& text) {
  const std::vector<std::uint32_t> points = code_points(text);
  int septets = 0;
  bool unicode = false;
  for (std::uint32_t c : points) {
    if (gsm_basic(c)) {
      septets += 1;
    } else if (gsm_extension(c)) {
      septets += 2;
    } else {
      unicode = true;
      break;
    }
  }
  if (!unicode) return {segments_for(septets, 160, 153), false};
  int units = 0;  // UTF-16 code units: characters beyond the BMP take two
  for (std::uint32_t c : points) units += c > 0xFFFF ? 2 : 1;
  return {segments_for(units, 70, 67), true};
}

}  // namespace cxloop::channels::sms

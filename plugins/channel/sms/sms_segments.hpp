// How many SMS segments a text costs. A text of GSM 03.38 characters fits 160 in one
// segment and 153 per segment when concatenated (the rest carries the concatenation
// header); anything else is sent as UCS-2, 70 per segment or 67 when concatenated.
#pragma once

#include <string>

namespace cxloop::channels::sms {

struct SegmentCount {
  int segments = 0;
  bool unicode = false;  // UCS-2 encoding needed
};

// text is UTF-8.
SegmentCount count_segments(const std::string& text);

}  // namespace cxloop::channels::sms

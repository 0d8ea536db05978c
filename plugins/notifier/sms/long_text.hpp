// What the SMS notifier does with a notification text that needs more SMS segments than the
// instance allows (settings max_segments; segments counted as the SMS channel counts them):
//   truncate  one message, cut at a word boundary where possible and ended with "..."
//             (three dots, which keep a GSM text in the GSM alphabet; "…" would not)
//   split     several messages, each within max_segments, numbered "(1/3) ", "(2/3) ", ...
// A text that fits is sent unchanged in one message either way.
#pragma once

#include <string>
#include <vector>

namespace cxloop::plugins::sms_notifier {

enum class LongText { truncate, split };

// The messages to send for text (UTF-8), in order; never empty for a non-empty text.
std::vector<std::string> sms_messages(const std::string& text, int max_segments, LongText mode);

}  // namespace cxloop::plugins::sms_notifier

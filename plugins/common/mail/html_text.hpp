// Readable plain text from an HTML-only mail body: scripts, styles and comments dropped, tags
// stripped, entities decoded, and the line structure of paragraphs, line breaks, list items,
// headings and table rows kept, because agents read the case message as plain text.
#pragma once

#include <string>

namespace cxloop::plugins::mail {

// html is UTF-8; so is the result.
std::string html_to_text(const std::string& html);

}  // namespace cxloop::plugins::mail

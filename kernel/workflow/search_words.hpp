// The words of a user's search text, shared by the article and case searches so both read a
// query the same way. Passing words rather than the user's text to the database keeps FTS5
// and tsquery syntax out of the user's reach.
#pragma once

#include <string>
#include <vector>

namespace cxloop::workflow {

// Letters and digits (any script: every byte of a multi-byte UTF-8 character counts as a
// letter) form words; everything else (spaces, ASCII punctuation) separates them.
std::vector<std::string> search_words(const std::string& text);

}  // namespace cxloop::workflow

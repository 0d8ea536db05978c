#include "workflow/search_words.hpp"

#include <cctype>

namespace cxloop::workflow {

std::vector<std::string> search_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : text) {
    if (c >= 0x80 || std::isalnum(c)) {
      word += static_cast<char>(c);
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

}  // namespace cxloop::workflow

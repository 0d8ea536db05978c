#include "concept_vocabulary.hpp"

#include <sstream>
#include <unordered_map>

#include "text_normalizer.hpp"

namespace cxloop::analytics {
namespace {

// stem -> "=concept", parsed once from the compiled-in text. A stem listed under two concepts
// keeps the first: the file is read top to bottom.
std::unordered_map<std::string, std::string> parse(const char* text) {
  std::unordered_map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    std::string concept_term = "=";
    for (char c : fold_text(line.substr(0, colon))) {
      if (c != ' ') concept_term += c;  // "switch_on" folds to "switch on"
    }
    std::istringstream words(fold_text(line.substr(colon + 1)));
    std::string word;
    while (words >> word) out.emplace(stem_word(word), concept_term);
  }
  return out;
}

}  // namespace

const std::string* concept_of(const std::string& stem) {
  static const std::unordered_map<std::string, std::string> concepts = parse(kFaultVocabulary);
  auto it = concepts.find(stem);
  return it == concepts.end() ? nullptr : &it->second;
}

}  // namespace cxloop::analytics

// Turns a contact's free text into comparable terms: lower-case, accents folded to ASCII,
// stop words of English, German, French and Spanish removed, and a light suffix-stripping
// stem, so "Leaking", "leaks" and "leaked" meet as one term. Each term also keeps its folded
// surface form, which the index cuts into character trigrams so a typo ("chargr") still
// shares most of its weight with the word it misspells.
#pragma once

#include <string>
#include <vector>

namespace cxloop::analytics {

struct Term {
  std::string stem;    // the word after folding and suffix stripping: the word-level feature
  std::string folded;  // the folded word before stemming: the source of character trigrams
};

// Lower-cases UTF-8 text and folds Latin accents ("Größe" -> "grosse"); everything that is
// not a letter or digit becomes a space, except a dot between digits ("2.17"). Letters beyond Latin
// Extended-A are kept as they are.
std::string fold_text(const std::string& text);

// The terms of a text, in order, without stop words, one-letter words and digit runs of five
// or more (phone and order numbers). With concepts, a word of the fault vocabulary
// (concept_vocabulary.hpp) has its concept as stem ("Akku" -> "=battery"), in any language.
std::vector<Term> normalize_terms(const std::string& text, bool concepts = true);

// The stem of one folded word (exposed for tests).
std::string stem_word(const std::string& folded);

}  // namespace cxloop::analytics

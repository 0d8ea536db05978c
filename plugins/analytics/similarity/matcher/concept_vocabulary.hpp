// The multilingual fault vocabulary (fault_vocabulary.txt, compiled in): words of several
// languages that name one part, product family or symptom map to one concept term, so reports
// of one fault written in different languages share words.
#pragma once

#include <string>

namespace cxloop::analytics {

// The concept term for a word's stem ("akku" and "batteri" give "=battery"), or nullptr when
// the word is not in the vocabulary. Concept terms start with '=', which no folded word has.
const std::string* concept_of(const std::string& stem);

// The vocabulary's text (generated from fault_vocabulary.txt at build time).
extern const char* const kFaultVocabulary;

}  // namespace cxloop::analytics

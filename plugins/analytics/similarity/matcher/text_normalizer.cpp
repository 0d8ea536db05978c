#include "text_normalizer.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "concept_vocabulary.hpp"

namespace cxloop::analytics {
namespace {

// U+00C0..U+00FF folded; "" marks the two symbols (multiplication and division signs).
constexpr std::array<const char*, 64> kLatin1 = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

// U+0100..U+017F (Latin Extended-A) as runs of one base letter.
struct Run {
  int count;
  const char* base;
};
constexpr std::array<Run, 22> kExtendedA = {
    {{6, "a"}, {8, "c"},  {4, "d"},  {10, "e"}, {8, "g"}, {4, "h"},  {10, "i"}, {2, "ij"},
     {2, "j"}, {3, "k"},  {10, "l"}, {9, "n"},  {6, "o"}, {2, "oe"}, {6, "r"},  {8, "s"},
     {6, "t"}, {12, "u"}, {2, "w"},  {3, "y"},  {6, "z"}, {1, "s"}}};

const char* fold_extended_a(std::uint32_t code) {
  int offset = static_cast<int>(code - 0x100);
  for (const Run& run : kExtendedA) {
    if (offset < run.count) return run.base;
    offset -= run.count;
  }
  return "";
}

// Decodes one UTF-8 sequence at text[i]; invalid bytes are returned as themselves.
std::uint32_t next_code_point(const std::string& text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char first = byte(i);
  int extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0;
  if (first < 0xC0) {  // ASCII, or a stray continuation byte (treated as a separator)
    ++i;
    return first;
  }
  std::uint32_t code = first & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    if (i + k >= text.size() || (byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return first;
    }
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return code;
}

// Punctuation and symbol blocks that separate words even outside ASCII.
bool is_separator_block(std::uint32_t code) {
  return (code >= 0x80 && code < 0xC0) || (code >= 0x2000 && code < 0x2070) ||
         (code >= 0x3000 && code < 0x3040) || (code >= 0xFE30 && code < 0xFE70) ||
         (code >= 0xFF00 && code < 0xFF10) || code >= 0x1F000;
}

const std::unordered_set<std::string_view>& stop_words() {
  static const std::unordered_set<std::string_view> words = {
      // English
      "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "for", "from", "with",
      "by", "is", "are", "was", "were", "be", "been", "am", "me", "my", "we", "our", "you", "your",
      "he", "she", "it", "its", "they", "them", "this", "that", "these", "those", "have", "has",
      "had", "do", "does", "did", "not", "no", "so", "as", "can", "could", "would", "should",
      "will", "just", "there", "here", "what", "when", "which", "who", "how", "also", "very",
      "please", "hi", "hello", "dear", "thanks", "thank", "regards", "best", "still", "again",
      "get", "got", "im", "ive", "dont", "its", "any", "all", "some", "now", "after", "before",
      "about", "into", "out", "up", "than", "then", "too", "one", "help",
      // German
      "der", "die", "das", "ein", "eine", "einer", "einem", "einen", "und", "oder", "aber", "ich",
      "mein", "meine", "meinen", "meiner", "mir", "mich", "wir", "sie", "es", "ist", "sind", "war",
      "nicht", "kein", "keine", "mit", "von", "zu", "im", "am", "auf", "fur", "bitte", "danke",
      "hallo", "gruss", "grusse", "freundlichen", "mfg", "sehr", "auch", "noch", "schon", "hat",
      "habe", "haben", "wird", "nach", "seit", "dem", "den", "des", "guten", "tag", "geehrte",
      "damen", "herren", "wie", "was", "bei",
      // French
      "le", "la", "les", "un", "une", "des", "et", "ou", "mais", "je", "mon", "ma", "mes", "nous",
      "vous", "il", "elle", "est", "sont", "pas", "ne", "avec", "de", "du", "au", "aux", "en",
      "pour", "sur", "bonjour", "merci", "cordialement", "salutations", "tres", "aussi", "encore",
      "depuis", "ai", "avons", "ce", "cette", "qui", "que", "plus",
      // Spanish
      "el", "los", "las", "unos", "una", "pero", "yo", "mi", "mis", "usted", "son", "con", "del",
      "al", "por", "para", "hola", "gracias", "saludos", "muy", "tambien", "todavia", "desde", "he",
      "ha", "se", "lo", "su", "estimados", "favor", "hay", "tiene", "tengo", "nada"};
  return words;
}

bool ends_with(const std::string& word, std::string_view suffix) {
  return word.size() >= suffix.size() &&
         word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string fold_text(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::uint32_t code = next_code_point(text, i);
    if (code < 0x80) {
      const char c = static_cast<char>(code);
      const auto digit = [](char d) { return d >= '0' && d <= '9'; };
      if (c >= 'A' && c <= 'Z') {
        out += static_cast<char>(c - 'A' + 'a');
      } else if ((c >= 'a' && c <= 'z') || digit(c)) {
        out += c;
      } else if (c == '.' && !out.empty() && digit(out.back()) && i < text.size() &&
                 digit(text[i])) {
        // A version or model number ("firmware 2.17") stays one term in every language.
        out += c;
      } else {
        out += ' ';
      }
    } else if (code >= 0xC0 && code < 0x100) {
      const char* folded = kLatin1[code - 0xC0];
      out += *folded ? folded : " ";
    } else if (code >= 0x100 && code < 0x180) {
      out += fold_extended_a(code);
    } else if (is_separator_block(code)) {
      out += ' ';
    } else {
      // Another script's letter: kept as its UTF-8 bytes (re-encoded).
      if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      }
    }
  }
  return out;
}

std::string stem_word(const std::string& folded) {
  std::string word = folded;
  if (word.size() <= 3) return word;
  for (char c : word) {
    // Codes, model numbers and non-Latin words are compared as written.
    if (!(c >= 'a' && c <= 'z')) return word;
  }
  // Longest first; each keeps a stem of at least three letters. "ies"/"ied" become "i" so
  // "batteries" and "battery" (y -> i below) meet.
  static constexpr std::array<std::string_view, 14> kSuffixes = {
      "ungen", "ingen", "ation", "ing", "ies", "ied", "ed", "es", "en", "er", "ly", "s", "e", "y"};
  for (std::string_view suffix : kSuffixes) {
    if (!ends_with(word, suffix) || word.size() - suffix.size() < 3) continue;
    if (suffix == "s" && ends_with(word, "ss")) continue;
    word.resize(word.size() - suffix.size());
    if (suffix == "ies" || suffix == "ied" || suffix == "y") word += 'i';
    break;
  }
  return word;
}

std::vector<Term> normalize_terms(const std::string& text, bool concepts) {
  const std::string folded = fold_text(text);
  std::vector<Term> terms;
  std::size_t start = 0;
  while (start < folded.size()) {
    while (start < folded.size() && folded[start] == ' ') ++start;
    std::size_t end = start;
    while (end < folded.size() && folded[end] != ' ') ++end;
    if (end > start) {
      std::string word = folded.substr(start, end - start);
      // Long digit runs are identifiers (phone and order numbers), not descriptions.
      const bool identifier =
          word.size() >= 5 && word.find_first_not_of("0123456789") == std::string::npos;
      if (word.size() >= 2 && !identifier && stop_words().count(word) == 0) {
        std::string stem = stem_word(word);
        if (concepts) {
          if (const std::string* concept_term = concept_of(stem)) stem = *concept_term;
        }
        terms.push_back(Term{std::move(stem), word});
      }
    }
    start = end;
  }
  return terms;
}

}  // namespace cxloop::analytics

#include "repository/migration_script.hpp"

#include <cctype>
#include <sstream>

namespace cxloop::repository {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// What the scanner knows about the statement being collected; it spans lines.
struct StatementState {
  std::string dollar_tag;          // non-empty while inside $tag$ ... $tag$
  int depth = 0;                   // open BEGIN/CASE blocks
  std::vector<std::string> words;  // the statement's first words, upper-case
  bool is_trigger() const {
    // CREATE [TEMP|TEMPORARY] TRIGGER: the only statements whose body is a BEGIN...END block.
    if (words.size() < 2 || words[0] != "CREATE") return false;
    if (words[1] == "TRIGGER") return true;
    return words.size() >= 3 && (words[1] == "TEMP" || words[1] == "TEMPORARY") &&
           words[2] == "TRIGGER";
  }
};

// Scans one line, updating state. Returns the position of the ';' that ends the statement
// on this line, or npos.
std::size_t scan_line(const std::string& line, StatementState& st) {
  std::size_t i = 0;
  while (i < line.size()) {
    if (!st.dollar_tag.empty()) {
      const std::size_t close = line.find(st.dollar_tag, i);
      if (close == std::string::npos) return std::string::npos;
      i = close + st.dollar_tag.size();
      st.dollar_tag.clear();
      continue;
    }
    const char c = line[i];
    if (c == '-' && i + 1 < line.size() && line[i + 1] == '-') return std::string::npos;
    if (c == '\'' || c == '"') {
      // Quoted text ends at the next unescaped quote ('' and "" escape themselves).
      std::size_t j = i + 1;
      while (j < line.size()) {
        if (line[j] == c) {
          if (j + 1 < line.size() && line[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      i = j + 1;
      continue;
    }
    if (c == '$') {
      std::size_t j = i + 1;
      if (j < line.size() && !std::isdigit(static_cast<unsigned char>(line[j]))) {
        while (j < line.size() && is_word(line[j])) ++j;
        if (j < line.size() && line[j] == '$') {
          st.dollar_tag = line.substr(i, j - i + 1);
          i = j + 1;
          continue;
        }
      }
      ++i;
      continue;
    }
    if (is_word(c)) {
      std::size_t j = i;
      while (j < line.size() && is_word(line[j])) ++j;
      const std::string word = upper(line.substr(i, j - i));
      if (st.words.size() < 3) st.words.push_back(word);
      if (word == "CASE" || (word == "BEGIN" && st.is_trigger()))
        ++st.depth;
      else if (word == "END" && st.depth > 0)
        --st.depth;
      i = j;
      continue;
    }
    if (c == ';' && st.depth == 0) {
      const std::string rest = trim(line.substr(i + 1));
      if (rest.empty() || rest.rfind("--", 0) == 0) return i;
    }
    ++i;
  }
  return std::string::npos;
}

}  // namespace

std::vector<ScriptStatement> split_migration_script(const std::string& script) {
  std::vector<ScriptStatement> out;
  std::string current;
  int start_line = 0;
  bool has_code = false;
  StatementState state;
  auto finish = [&] {
    if (has_code) out.push_back({start_line, trim(current)});
    current.clear();
    has_code = false;
    start_line = 0;
    state = StatementState{};
  };

  std::istringstream in(script);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string trimmed = trim(line);
    const bool comment_only = trimmed.empty() || trimmed.rfind("--", 0) == 0;
    if (comment_only && state.dollar_tag.empty()) {
      if (has_code) current += line + "\n";
      continue;
    }
    if (!has_code) start_line = number;
    has_code = true;
    const std::size_t end = scan_line(line, state);
    if (end == std::string::npos) {
      current += line + "\n";
      continue;
    }
    current += line.substr(0, end);
    finish();
  }
  finish();
  return out;
}

}  // namespace cxloop::repository

#include "repository/migration_script.hpp"

#include <cctype>
#include <sstream>

namespace cxloop::repository {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool is_comment_or_blank(const std::string& trimmed) {
  return trimmed.empty() || trimmed.rfind("--", 0) == 0;
}

// Position of the ';' that ends the statement on this line, or npos. The ';' must be the last
// code on the line: only whitespace or a "--" comment may follow it.
std::size_t terminator(const std::string& line) {
  std::size_t pos = line.find(';');
  while (pos != std::string::npos) {
    const std::string rest = trim(line.substr(pos + 1));
    if (rest.empty() || rest.rfind("--", 0) == 0) return pos;
    pos = line.find(';', pos + 1);
  }
  return std::string::npos;
}

}  // namespace

std::vector<ScriptStatement> split_migration_script(const std::string& script) {
  std::vector<ScriptStatement> out;
  std::string current;
  int start_line = 0;
  bool has_code = false;
  auto finish = [&] {
    if (has_code) out.push_back({start_line, trim(current)});
    current.clear();
    has_code = false;
    start_line = 0;
  };

  std::istringstream in(script);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string trimmed = trim(line);
    if (is_comment_or_blank(trimmed)) {
      if (has_code) current += line + "\n";
      continue;
    }
    if (!has_code) start_line = number;
    has_code = true;
    const std::size_t end = terminator(line);
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

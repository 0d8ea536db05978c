#include "reply_command.hpp"

#include <regex>
#include <sstream>
#include <vector>

namespace cxloop::plugins::email_connector {
namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// Where the quoted part of a reply starts: an attribution line ("On Mon, 1 Jan 2024, Ann
// <a@b> wrote:", "Am ... schrieb ...:"), Outlook's separator, or a signature delimiter.
bool starts_quoted_part(const std::string& line) {
  static const std::regex attribution(
      R"(^(On|Am|Le|El)\s.*(wrote|schrieb|a écrit|escribió).*:\s*$)", std::regex::icase);
  static const std::regex outlook(R"(^-{3,}\s*(Original Message|Ursprüngliche Nachricht)\s*-{3,})",
                                  std::regex::icase);
  const std::string line_trimmed = trimmed(line);
  return line == "-- " || line == "--" || std::regex_search(line_trimmed, attribution) ||
         std::regex_search(line_trimmed, outlook) || line_trimmed.rfind("________", 0) == 0;
}

// The command candidates of a first line: its first two words, then its first word, each
// without trailing punctuation.
std::vector<std::string> command_candidates(const std::string& line, std::size_t& two_words_end,
                                            std::size_t& one_word_end) {
  static const std::regex words(R"(^\s*([^\s:.,;!\-]+)(\s+([^\s:.,;!\-]+))?)");
  std::smatch match;
  std::vector<std::string> out;
  if (!std::regex_search(line, match, words)) return out;
  one_word_end = static_cast<std::size_t>(match.position(1) + match.length(1));
  if (match[3].matched) {
    two_words_end = static_cast<std::size_t>(match.position(3) + match.length(3));
    out.push_back(match[1].str() + " " + match[3].str());
  }
  out.push_back(match[1].str());
  return out;
}

// What follows a command on its line, without the separators people type after it.
std::string after_command(const std::string& line, std::size_t end) {
  std::string rest = line.substr(end);
  const auto first = rest.find_first_not_of(" \t:.,;!-–");
  return first == std::string::npos ? std::string() : trimmed(rest.substr(first));
}

}  // namespace

sdk::StatusMap reply_status_map(const nlohmann::json& overrides) {
  return sdk::StatusMap({{"done", "done"},
                         {"rejected", "rejected"},
                         {"started", "in_progress"},
                         {"in progress", "in_progress"},
                         {"in_progress", "in_progress"}},
                        overrides);
}

std::string without_quoted_text(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (starts_quoted_part(line)) break;
    if (trimmed(line).rfind('>', 0) == 0) continue;
    out += line + "\n";
  }
  return trimmed(out);
}

ReplyCommand read_reply(const std::string& text, const sdk::StatusMap& commands) {
  ReplyCommand reply;
  const std::string own = without_quoted_text(text);
  const auto line_end = own.find('\n');
  const std::string first = own.substr(0, line_end);
  std::size_t two_words_end = 0, one_word_end = 0;
  const auto candidates = command_candidates(first, two_words_end, one_word_end);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (auto state = commands.to_task_state(candidates[i])) {
      reply.status = *state;
      const bool two_words = candidates.size() == 2 && i == 0;
      std::string rest = after_command(first, two_words ? two_words_end : one_word_end);
      if (line_end != std::string::npos) rest += "\n" + own.substr(line_end + 1);
      reply.comment = trimmed(rest);
      return reply;
    }
  }
  reply.comment = own;
  return reply;
}

}  // namespace cxloop::plugins::email_connector

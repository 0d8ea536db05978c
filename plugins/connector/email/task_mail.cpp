#include "task_mail.hpp"

#include <random>

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>
#include <regex>

#include "json_text.hpp"
#include "mail/inbound_email.hpp"

namespace cxloop::plugins::email_connector {
using plugins::text_member;

namespace {

std::string scope_text(const nlohmann::json& scope) {
  if (scope.is_null() || (scope.is_object() && scope.empty())) return "not set";
  return scope.dump();
}

}  // namespace

std::string new_token() {
  static const char* digits = "0123456789abcdef";
  std::random_device random;
  std::string token;
  for (int i = 0; i < 12; ++i) token += digits[random() % 16];
  return token;
}

std::string task_subject(const std::string& task_number, const std::string& token,
                         const std::string& title) {
  return "[" + task_number + "#" + token + "] " + title;
}

std::string task_message_id(const std::string& task_number, const std::string& token,
                            const std::string& domain) {
  return "<cxloop-task." + task_number + "." + token + "@" + domain + ">";
}

std::string task_body(const nlohmann::json& task, const std::string& token) {
  const std::string number = text_member(task, "number", "task");
  const nlohmann::json problem = task.value("problem", nlohmann::json::object());
  const nlohmann::json department = task.value("department", nlohmann::json::object());
  std::string body = number + ": " + text_member(task, "title", "(no title)") + "\n\n";
  body += text_member(task, "description", "(no description)") + "\n\n";
  body += "Department: " + text_member(department, "name", "(not named)") + "\n";
  body += "Due: " + text_member(task, "due_at", "no due date") + "\n\n";
  if (problem.is_object() && !problem.empty()) {
    body += "Problem " + text_member(problem, "number", "") + ": " +
            text_member(problem, "title", "") + "\n";
    body += "Severity: " + text_member(problem, "severity", "not set") + "\n";
    body += "Root cause: " + text_member(problem, "root_cause", "not known yet") + "\n";
    body += "Affected scope: " + scope_text(problem.value("scope", nlohmann::json())) + "\n";
    const std::string description = text_member(problem, "description", "");
    if (!description.empty()) body += "\n" + description + "\n";
    body += "\n";
  }
  return body + reply_instructions(number, token);
}

std::string reply_instructions(const std::string& task_number, const std::string& token) {
  return "To update this task, reply to this mail and keep [" + task_number + "#" + token +
         "] in the subject.\n"
         "Start your reply with one of these words on its first line:\n"
         "  started (or: in progress)  you are working on it\n"
         "  done                       the fix is delivered\n"
         "  rejected                   your department will not do it (please say why)\n"
         "Everything else you write reaches the customer service team as a comment.\n";
}

std::string update_message_id(const std::string& task_number, const std::string& token,
                              const std::string& update_key, const std::string& domain) {
  Poco::SHA1Engine sha1;
  sha1.update(update_key);
  const std::string digest = Poco::DigestEngine::digestToHex(sha1.digest()).substr(0, 16);
  return "<cxloop-task." + task_number + "." + token + "." + digest + "@" + domain + ">";
}

std::string change_text(const nlohmann::json& change) {
  std::string text;
  const std::string status = text_member(change, "status");
  if (!status.empty()) text += "Customer service set the task's status to: " + status + "\n";
  if (change.contains("due_at")) {
    text += "New due date: " + text_member(change, "due_at", "none") + "\n";
  }
  const std::string comment = text_member(change, "comment");
  if (!comment.empty()) text += "\nComment from customer service:\n" + comment + "\n";
  return text;
}

std::optional<std::string> token_of(const mail::InboundEmail& reply) {
  static const std::regex in_subject(R"(\[[A-Za-z]+-[0-9]+#([0-9a-f]{12})\])");
  static const std::regex in_message_id(R"(^<cxloop-task\.[A-Za-z]+-[0-9]+\.([0-9a-f]{12})[.@])");
  std::smatch match;
  if (std::regex_search(reply.subject, match, in_subject)) return match[1].str();
  for (const auto* ids : {&reply.in_reply_to, &reply.references}) {
    for (auto it = ids->rbegin(); it != ids->rend(); ++it) {
      if (std::regex_search(*it, match, in_message_id)) return match[1].str();
    }
  }
  return std::nullopt;
}

}  // namespace cxloop::plugins::email_connector

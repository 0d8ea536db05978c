#include "ticket_document.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>

namespace cxloop::connectors::request_tracker {
namespace {

std::string text_member(const sdk::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::string ticket_subject(const sdk::json& task) {
  std::string subject = text_member(task, "title");
  if (subject.empty()) {
    throw sdk::Error(CXLOOP_ERR_INVALID, "the task has no 'title' to use as the ticket subject");
  }
  const std::string number = text_member(task, "number");
  if (!number.empty()) subject += " [" + number + "]";
  return subject;
}

std::string ticket_content(const sdk::json& task) {
  std::string content = text_member(task, "description");
  if (!content.empty() && content.back() != '\n') content += "\n";
  if (!content.empty()) content += "\n";
  content += "--\ncxloop task " + text_member(task, "number");
  const sdk::json problem = task.value("problem", sdk::json::object());
  const std::string number = text_member(problem, "number");
  if (!number.empty()) {
    content += " for problem " + number + ": " + text_member(problem, "title");
  }
  content += "\n";
  const std::pair<const char*, const char*> details[] = {
      {"severity", "Severity"}, {"root_cause", "Root cause"}, {"scope", "Affected scope"}};
  for (const auto& [key, label] : details) {
    const std::string value = text_member(problem, key);
    if (!value.empty() && value != "{}") content += std::string(label) + ": " + value + "\n";
  }
  const auto due = task.find("due_at");
  if (due != task.end() && !due->is_null()) content += "Due: " + rt_date(*due, "due_at") + " UTC\n";
  return content;
}

sdk::json ticket_create_body(const sdk::json& task, const std::string& queue) {
  sdk::json body = {{"Queue", queue},
                    {"Subject", ticket_subject(task)},
                    {"Content", ticket_content(task)},
                    {"ContentType", "text/plain"}};
  const auto due = task.find("due_at");
  if (due != task.end() && !due->is_null()) body["Due"] = rt_date(*due, "due_at");
  return body;
}

std::string rt_date(const sdk::json& value, const std::string& field) {
  if (value.is_null()) return "1970-01-01 00:00:00";
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  Poco::DateTime parsed;
  int offset = 0;
  if (!value.is_string() ||
      !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, parsed,
                                      offset) ||
      text.size() < 20 || text[10] != 'T') {
    throw sdk::Error(CXLOOP_ERR_INVALID, "task '" + field + "' must be an RFC 3339 date such as " +
                                             "2026-12-01T10:00:00Z, not " + text);
  }
  parsed.makeUTC(offset);
  return Poco::DateTimeFormatter::format(parsed, "%Y-%m-%d %H:%M:%S");
}

}  // namespace cxloop::connectors::request_tracker

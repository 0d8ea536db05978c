#include "ticket_sync.hpp"

#include <map>

#include "mail/html_text.hpp"
#include "text.hpp"

namespace cxloop::connectors::request_tracker {
namespace {

std::string string_member(const sdk::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Creator is {"id": "<user name>", "type": "user", "_url": ...} in REST 2 documents.
std::string creator(const sdk::json& item) {
  auto it = item.find("Creator");
  if (it == item.end()) return {};
  return it->is_object() ? string_member(*it, "id") : string_member(item, "Creator");
}

}  // namespace

sdk::json status_entry(const sdk::StatusMap& map, const std::string& id,
                       const std::string& rt_status) {
  sdk::json entry = {{"external_ref", id}};
  if (auto state = map.to_task_state(rt_status)) {
    entry["status"] = *state;
  } else {
    entry["status_error"] = "RT ticket " + id + " has status '" + rt_status +
                            "', which has no task state; map it in settings 'status_map' "
                            "(e.g. {\"" +
                            rt_status + "\": \"in_progress\"})";
  }
  return entry;
}

sdk::json ticket_comments(const sdk::json& history_items, const sdk::json& attachment_items,
                          const std::string& own_user) {
  // Bodies by transaction id: text/plain wins over other text parts.
  std::map<std::string, std::string> plain, other;
  for (const auto& attachment : attachment_items) {
    const std::string transaction = string_member(attachment, "TransactionId");
    const std::string type = string_member(attachment, "ContentType");
    const std::string content = channels::trimmed(string_member(attachment, "Content"));
    if (transaction.empty() || content.empty()) continue;
    if (type != "text/plain" && type != "text/html") continue;
    auto& bodies = type == "text/plain" ? plain : other;
    bodies.emplace(transaction, content);
  }
  sdk::json comments = sdk::json::array();
  for (const auto& item : history_items) {
    const std::string type = string_member(item, "Type");
    if (type != "Correspond" && type != "Comment") continue;
    const std::string author = creator(item);
    if (author == own_user) continue;
    const std::string id = string_member(item, "id");
    std::string body;
    if (auto it = plain.find(id); it != plain.end()) {
      body = it->second;
    } else if (auto html = other.find(id); html != other.end()) {
      // An HTML-only mail to RT: agents read the timeline as plain text.
      body = channels::trimmed(plugins::mail::html_to_text(html->second));
    }
    if (body.empty()) continue;  // an attachment-only reply carries no text to show
    sdk::json comment = {{"id", id}, {"author", author}, {"body", body}};
    const std::string at = string_member(item, "Created");
    if (!at.empty()) comment["at"] = at;
    comments.push_back(std::move(comment));
  }
  return comments;
}

std::string rt_status_for(const std::string& task_state) {
  static const std::map<std::string, std::string> map = {{"queued", "new"},
                                                         {"open", "open"},
                                                         {"in_progress", "open"},
                                                         {"done", "resolved"},
                                                         {"rejected", "rejected"}};
  auto it = map.find(task_state);
  if (it == map.end()) {
    throw sdk::Error(CXLOOP_ERR_INVALID,
                     "change 'status' must be a task state (queued, open, in_progress, done, "
                     "rejected), not '" +
                         task_state + "'");
  }
  return it->second;
}

}  // namespace cxloop::connectors::request_tracker

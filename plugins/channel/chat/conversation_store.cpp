#include "conversation_store.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/RandomStream.h>

namespace cxloop::plugins::chat {

std::string new_token() {
  Poco::RandomInputStream random;
  unsigned char bytes[16];
  random.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  static const char* hex = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += hex[b >> 4];
    token += hex[b & 0x0F];
  }
  return token;
}

sdk::json Conversation::to_json() const {
  return {{"token", token},
          {"case_id", case_id},
          {"case_number", case_number},
          {"email", email},
          {"name", name}};
}

Conversation Conversation::from_json(const sdk::json& j) {
  Conversation c;
  c.token = j.at("token").get<std::string>();
  c.case_id = j.at("case_id").get<std::int64_t>();
  c.case_number = j.at("case_number").get<std::string>();
  c.email = j.value("email", "");
  c.name = j.value("name", "");
  return c;
}

Conversation ConversationStore::open(const std::string& name, const std::string& email,
                                     const std::string& subject,
                                     const std::string& first_text) const {
  Conversation c;
  c.token = new_token();
  c.email = email;
  c.name = name;
  sdk::json customer = {{"email", email}};
  if (!name.empty()) customer["name"] = name;
  const std::string who = name.empty() ? email : name + " <" + email + ">";
  const sdk::json taken = host_.call(
      "case.intake",
      {{"channel", channel_},
       {"external_ref", "chat:" + c.token},
       {"customer", customer},
       {"subject", subject.empty() ? "Live chat with " + (name.empty() ? email : name) : subject},
       {"body", first_text.empty() ? "Live chat opened by " + who : first_text},
       {"author", email},
       {"attributes",
        {{"chat",
          {{"opened_at", Poco::DateTimeFormatter::format(
                             Poco::DateTime(), Poco::DateTimeFormat::ISO8601_FORMAT)}}}}}});
  c.case_id = taken.at("case").at("id").get<std::int64_t>();
  c.case_number = taken.at("case").at("number").get<std::string>();
  host_.kv_put("conversation/" + c.token, c.to_json().dump());
  host_.kv_put("case/" + std::to_string(c.case_id), c.token);
  return c;
}

std::optional<Conversation> ConversationStore::find(const std::string& token) const {
  if (token.size() != 32 || token.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  const auto text = host_.kv_get("conversation/" + token);
  if (!text) return std::nullopt;
  return Conversation::from_json(sdk::json::parse(*text));
}

std::optional<std::string> ConversationStore::token_of_case(std::int64_t case_id) const {
  return host_.kv_get("case/" + std::to_string(case_id));
}

sdk::json ConversationStore::pending(const std::string& token) const {
  const auto text = host_.kv_get("pending/" + token);
  if (!text) return sdk::json::array();
  sdk::json list = sdk::json::parse(*text, nullptr, false);
  return list.is_array() ? list : sdk::json::array();
}

void ConversationStore::add_pending(const std::string& token, const sdk::json& reply) const {
  sdk::json list = pending(token);
  for (const auto& kept : list) {
    if (kept.value("message_id", sdk::json()) == reply.value("message_id", sdk::json())) return;
  }
  list.push_back(reply);
  host_.kv_put("pending/" + token, list.dump());
}

void ConversationStore::clear_pending(const std::string& token) const {
  host_.kv_remove("pending/" + token);
}

}  // namespace cxloop::plugins::chat

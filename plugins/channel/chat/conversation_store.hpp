// Chat conversations, kept in the instance's kv store so they outlive a socket and a server
// restart:
//   "conversation/<token>" -> {token, case_id, case_number, email, name, opened_at}
//   "case/<case id>"       -> token (how a reply finds its conversation)
//   "pending/<token>"      -> [reply, ...] replies waiting for the customer to reconnect
// The token is the customer's key to the conversation: 128 random bits, shown only to the
// customer's browser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <cxloop/sdk.hpp>

namespace cxloop::plugins::chat {

struct Conversation {
  std::string token;
  std::int64_t case_id = 0;
  std::string case_number;
  std::string email;
  std::string name;

  sdk::json to_json() const;
  static Conversation from_json(const sdk::json& j);
};

class ConversationStore {
 public:
  ConversationStore(sdk::Host host, std::string channel)
      : host_(host), channel_(std::move(channel)) {}

  // A new conversation and its case (case.intake). Throws sdk::HostError when the kernel
  // refuses (e.g. an invalid email address) or is unavailable.
  Conversation open(const std::string& name, const std::string& email, const std::string& subject,
                    const std::string& first_text) const;
  std::optional<Conversation> find(const std::string& token) const;
  std::optional<std::string> token_of_case(std::int64_t case_id) const;

  // Pending replies of a conversation; add_pending ignores a reply already kept (same
  // message_id), so a repeated delivery is kept once.
  sdk::json pending(const std::string& token) const;
  void add_pending(const std::string& token, const sdk::json& reply) const;
  void clear_pending(const std::string& token) const;

 private:
  sdk::Host host_;
  std::string channel_;
};

// 32 hex digits from the system's random source.
std::string new_token();

}  // namespace cxloop::plugins::chat

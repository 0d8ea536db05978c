// Where agent replies meet open sockets. Sessions attach under their conversation token once
// the customer said hello or resumed; a reply for a conversation is pushed to every socket
// attached to it, or kept in the ConversationStore as pending when none is open and sent when
// the customer comes back. "Check sockets, else keep" and "attach, then flush" run under one
// lock, so a reply racing a reconnect is neither lost nor sent twice by this node.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <cxloop/sdk.hpp>

#include "conversation_store.hpp"

namespace cxloop::plugins::chat {

class ChatSession;

class ChatHub {
 public:
  ChatHub(sdk::Host host, const ConversationStore& store) : host_(host), store_(store) {}

  // Attaches session to token and sends it the replies kept for the conversation (each then
  // marked delivered).
  void attach_and_flush(const std::string& token, const std::shared_ptr<ChatSession>& session);
  void detach(const std::string& token, const ChatSession* session);

  // Pushes reply (a "reply" frame) to the conversation's sockets; returns "delivered" when at
  // least one took it, else keeps it and returns "queued".
  std::string deliver(const std::string& token, const sdk::json& reply);

  // Sends a close frame to every open socket (server shutting down).
  void close_all(int code, const std::string& reason);
  std::size_t open_sockets() const;

 private:
  void mark_delivered(std::int64_t message_id) const;

  sdk::Host host_;
  const ConversationStore& store_;
  mutable std::mutex mutex_;
  std::map<std::string, std::set<std::shared_ptr<ChatSession>>> sessions_;
};

}  // namespace cxloop::plugins::chat

// One customer's WebSocket: the chat protocol (JSON text frames, see README.md) between the
// browser and the case. Runs on the chat listener's connection thread until the socket
// closes, the customer is idle for idle_timeout_s, or the server stops. Sending is guarded by
// a lock because agent replies are pushed from outbox threads while the session reads.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <Poco/Net/WebSocket.h>

#include <cxloop/sdk.hpp>

#include "chat_settings.hpp"
#include "conversation_store.hpp"

namespace cxloop::plugins::chat {

class ChatHub;

class ChatSession : public std::enable_shared_from_this<ChatSession> {
 public:
  ChatSession(Poco::Net::WebSocket socket, sdk::Host host, const ChatSettings& settings,
              const ConversationStore& store, ChatHub& hub);

  // The read loop; returns when the conversation on this socket is over.
  void run();

  // Sends one JSON text frame; false when the socket is gone (the caller keeps the reply).
  bool send(const sdk::json& frame);
  // Sends a close frame (once) and stops reading.
  void close(int code, const std::string& reason);

 private:
  void handle_text(const std::string& text);
  void hello(const sdk::json& frame);
  void resume(const sdk::json& frame);
  void message(const sdk::json& frame);
  void error(const std::string& code, const std::string& text,
             const sdk::json& id = sdk::json(nullptr));
  void joined(const Conversation& conversation, bool resumed);

  Poco::Net::WebSocket socket_;
  sdk::Host host_;
  const ChatSettings& settings_;
  const ConversationStore& store_;
  ChatHub& hub_;
  std::optional<Conversation> conversation_;

  std::mutex send_mutex_;
  bool closed_ = false;
};

}  // namespace cxloop::plugins::chat

// The live chat channel plugin: the pieces of plugins/channel/chat wired to the host.
//   chat listener (own port)                     GET /chat (widget), GET /chat/ws (WebSocket)
//   GET /hooks/channel/<instance>/endpoint       where the listener is (public)
//   GET /plugins/<instance>/status               listener and open sockets (admin)
//   invoke "deliver"                             an agent reply, pushed live or kept
#pragma once

#include <memory>

#include <cxloop/sdk.hpp>

#include "chat_hub.hpp"
#include "chat_server.hpp"
#include "chat_settings.hpp"
#include "conversation_store.hpp"

namespace cxloop::plugins::chat {

class ChatChannel : public sdk::ChannelPlugin {
 public:
  explicit ChatChannel(sdk::Host host);
  ~ChatChannel() override;

  sdk::Response handle_http(const sdk::HttpRequest& request) override;
  sdk::json deliver(const sdk::json& work) override;

 private:
  sdk::json endpoint() const;

  ChatSettings settings_;
  ConversationStore store_;
  ChatHub hub_;
  ChatServer server_;
};

}  // namespace cxloop::plugins::chat

// The chat listener: a Poco HTTPServer of the plugin's own, on settings listen:port, because
// the kernel's plugin routes answer request/response JSON and cannot upgrade a connection to
// a WebSocket. It serves
//   GET /chat      the chat widget page
//   GET /chat/ws   the WebSocket of the chat protocol (one ChatSession per socket)
// Each open socket holds one of its threads, so max_connections bounds both.
#pragma once

#include <cstdint>
#include <memory>

#include <cxloop/sdk.hpp>

#include "chat_settings.hpp"

namespace Poco {
class ThreadPool;
}
namespace Poco::Net {
class HTTPServer;
}

namespace cxloop::plugins::chat {

class ChatHub;
class ConversationStore;

class ChatServer {
 public:
  ChatServer(sdk::Host host, const ChatSettings& settings, const ConversationStore& store,
             ChatHub& hub);
  ~ChatServer();
  ChatServer(const ChatServer&) = delete;
  ChatServer& operator=(const ChatServer&) = delete;

  // Binds and starts serving; throws Poco::Exception when the address cannot be bound.
  void start();
  // Closes every socket with 1001, stops accepting and waits for the connection threads.
  void stop();
  // The bound port (the ephemeral one when settings.port is 0).
  std::uint16_t port() const { return port_; }

 private:
  sdk::Host host_;
  const ChatSettings& settings_;
  const ConversationStore& store_;
  ChatHub& hub_;
  std::unique_ptr<Poco::ThreadPool> threads_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::uint16_t port_ = 0;
};

}  // namespace cxloop::plugins::chat

#include "chat_hub.hpp"

#include <vector>

#include "chat_session.hpp"

namespace cxloop::plugins::chat {

void ChatHub::attach_and_flush(const std::string& token,
                               const std::shared_ptr<ChatSession>& session) {
  std::vector<std::int64_t> delivered;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_[token].insert(session);
    const sdk::json pending = store_.pending(token);
    bool all_sent = true;
    for (const auto& reply : pending) {
      if (!session->send(reply)) {
        all_sent = false;
        break;
      }
      if (reply.contains("message_id"))
        delivered.push_back(reply["message_id"].get<std::int64_t>());
    }
    // Kept replies go only when all reached the socket; a reconnect sends them again, and
    // the widget skips message ids it has shown.
    if (all_sent && !pending.empty()) store_.clear_pending(token);
    if (!all_sent) delivered.clear();
  }
  for (std::int64_t id : delivered) mark_delivered(id);
}

void ChatHub::detach(const std::string& token, const ChatSession* session) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = sessions_.find(token);
  if (found == sessions_.end()) return;
  for (auto it = found->second.begin(); it != found->second.end(); ++it) {
    if (it->get() == session) {
      found->second.erase(it);
      break;
    }
  }
  if (found->second.empty()) sessions_.erase(found);
}

std::string ChatHub::deliver(const std::string& token, const sdk::json& reply) {
  bool pushed = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = sessions_.find(token);
    if (found != sessions_.end()) {
      for (const auto& session : found->second) pushed = session->send(reply) || pushed;
    }
    if (!pushed) store_.add_pending(token, reply);
  }
  if (!pushed) return "queued";
  if (reply.contains("message_id")) mark_delivered(reply["message_id"].get<std::int64_t>());
  return "delivered";
}

void ChatHub::close_all(int code, const std::string& reason) {
  std::vector<std::shared_ptr<ChatSession>> open;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [token, sessions] : sessions_) {
      open.insert(open.end(), sessions.begin(), sessions.end());
    }
  }
  for (const auto& session : open) session->close(code, reason);
}

std::size_t ChatHub::open_sockets() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t count = 0;
  for (const auto& [token, sessions] : sessions_) count += sessions.size();
  return count;
}

void ChatHub::mark_delivered(std::int64_t message_id) const {
  try {
    host_.call("message.set_delivery",
               {{"message_id", message_id}, {"delivery_state", "delivered"}});
  } catch (const sdk::HostError& e) {
    // The customer has the reply; only the bookkeeping is behind. Say so rather than fail.
    host_.warning("reply " + std::to_string(message_id) +
                  " reached the customer but its delivery state was not recorded: " + e.what());
  }
}

}  // namespace cxloop::plugins::chat

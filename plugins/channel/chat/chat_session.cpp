#include "chat_session.hpp"

#include "text.hpp"

#include <Poco/Buffer.h>
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timespan.h>

#include "chat_hub.hpp"

namespace cxloop::plugins::chat {

using channels::trimmed;
namespace {

constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxSubject = 500;
constexpr std::size_t kMaxClientId = 100;

std::string text_member(const sdk::json& frame, const char* key) {
  auto it = frame.find(key);
  return it != frame.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool plausible_email(const std::string& email) {
  const auto at = email.find('@');
  return at != std::string::npos && at > 0 && at + 1 < email.size() &&
         email.find_first_of(" \t\r\n<>,;\"") == std::string::npos;
}

// What the customer should do about a refused host call.
std::string error_code(const sdk::HostError& e) {
  switch (e.status()) {
    case CXLOOP_ERR_INVALID:
      return "invalid";
    case CXLOOP_ERR_CONFLICT:
      return "conflict";
    case CXLOOP_ERR_UNAVAILABLE:
      return "unavailable";
    default:
      return "server_error";
  }
}

}  // namespace

ChatSession::ChatSession(Poco::Net::WebSocket socket, sdk::Host host, const ChatSettings& settings,
                         const ConversationStore& store, ChatHub& hub)
    : socket_(std::move(socket)), host_(host), settings_(settings), store_(store), hub_(hub) {
  socket_.setMaxPayloadSize(settings_.max_frame_bytes);
  socket_.setReceiveTimeout(Poco::Timespan(settings_.idle_timeout_s, 0));
  socket_.setSendTimeout(Poco::Timespan(10, 0));
}

bool ChatSession::send(const sdk::json& frame) {
  const std::string text = frame.dump(-1, ' ', false, sdk::json::error_handler_t::replace);
  std::lock_guard<std::mutex> lock(send_mutex_);
  if (closed_) return false;
  try {
    socket_.sendFrame(text.data(), static_cast<int>(text.size()), Poco::Net::WebSocket::FRAME_TEXT);
    return true;
  } catch (const Poco::Exception&) {
    closed_ = true;  // a socket that failed a send is of no further use
    return false;
  }
}

void ChatSession::close(int code, const std::string& reason) {
  std::lock_guard<std::mutex> lock(send_mutex_);
  if (closed_) return;
  closed_ = true;
  try {
    socket_.shutdown(static_cast<Poco::UInt16>(code), reason);
  } catch (const Poco::Exception&) {
    // The peer is already gone; nothing left to tell it.
  }
}

void ChatSession::error(const std::string& code, const std::string& text, const sdk::json& id) {
  sdk::json frame = {{"type", "error"}, {"code", code}, {"message", text}};
  if (!id.is_null()) frame["id"] = id;
  send(frame);
}

void ChatSession::run() {
  Poco::Buffer<char> buffer(0);
  std::string message;  // a text message split over continuation frames
  try {
    for (;;) {
      int flags = 0;
      buffer.resize(0);
      const int n = socket_.receiveFrame(buffer, flags);
      const int opcode = flags & Poco::Net::WebSocket::FRAME_OP_BITMASK;
      if (n == 0 && flags == 0) break;  // the peer closed the TCP connection
      if (opcode == Poco::Net::WebSocket::FRAME_OP_CLOSE) {
        close(Poco::Net::WebSocket::WS_NORMAL_CLOSE, "");
        break;
      }
      if (opcode == Poco::Net::WebSocket::FRAME_OP_PING) {
        std::lock_guard<std::mutex> lock(send_mutex_);
        if (!closed_) {
          socket_.sendFrame(
              buffer.begin(), n,
              Poco::Net::WebSocket::FRAME_FLAG_FIN | Poco::Net::WebSocket::FRAME_OP_PONG);
        }
        continue;
      }
      if (opcode == Poco::Net::WebSocket::FRAME_OP_PONG) continue;
      if (opcode == Poco::Net::WebSocket::FRAME_OP_BINARY) {
        close(Poco::Net::WebSocket::WS_PAYLOAD_NOT_ACCEPTABLE,
              "binary frames are not part of the chat protocol; send JSON text frames");
        break;
      }
      message.append(buffer.begin(), static_cast<std::size_t>(n));
      if (message.size() > static_cast<std::size_t>(settings_.max_frame_bytes)) {
        close(Poco::Net::WebSocket::WS_PAYLOAD_TOO_BIG,
              "message larger than " + std::to_string(settings_.max_frame_bytes) + " bytes");
        break;
      }
      if ((flags & Poco::Net::WebSocket::FRAME_FLAG_FIN) == 0) continue;
      handle_text(message);
      message.clear();
      {
        std::lock_guard<std::mutex> lock(send_mutex_);
        if (closed_) break;
      }
    }
  } catch (const Poco::TimeoutException&) {
    close(Poco::Net::WebSocket::WS_ENDPOINT_GOING_AWAY,
          "idle for " + std::to_string(settings_.idle_timeout_s) + " s");
  } catch (const Poco::Net::WebSocketException& e) {
    if (e.code() == Poco::Net::WebSocket::WS_ERR_PAYLOAD_TOO_BIG) {
      close(Poco::Net::WebSocket::WS_PAYLOAD_TOO_BIG,
            "message larger than " + std::to_string(settings_.max_frame_bytes) + " bytes");
    } else {
      close(Poco::Net::WebSocket::WS_PROTOCOL_ERROR, "WebSocket protocol error");
    }
  } catch (const Poco::Exception&) {
    close(Poco::Net::WebSocket::WS_ENDPOINT_GOING_AWAY, "");
  }
  if (conversation_) hub_.detach(conversation_->token, this);
}

void ChatSession::handle_text(const std::string& text) {
  const sdk::json frame = sdk::json::parse(text, nullptr, false);
  if (frame.is_discarded() || !frame.is_object()) {
    error("bad_request", "each frame must be a JSON object with a \"type\"");
    return;
  }
  const std::string type = text_member(frame, "type");
  try {
    if (type == "ping") {
      send({{"type", "pong"}});
    } else if (type == "hello") {
      hello(frame);
    } else if (type == "resume") {
      resume(frame);
    } else if (type == "message") {
      message(frame);
    } else {
      error("bad_request", "unknown frame type '" + type + "'; use hello, resume, message or ping");
    }
  } catch (const sdk::HostError& e) {
    host_.warning(std::string("chat frame '") + type + "' refused: " + e.what());
    error(error_code(e),
          e.status() == CXLOOP_ERR_UNAVAILABLE
              ? "the service is busy; send the frame again in a moment"
              : e.what(),
          frame.value("id", sdk::json(nullptr)));
  } catch (const std::exception& e) {
    host_.error(std::string("chat frame '") + type + "' failed: " + e.what());
    error("server_error", "the server could not handle the frame; try again",
          frame.value("id", sdk::json(nullptr)));
  }
}

void ChatSession::hello(const sdk::json& frame) {
  if (conversation_) {
    error("bad_request", "this socket already belongs to conversation " +
                             conversation_->case_number + "; open a new socket to start another");
    return;
  }
  const std::string email = trimmed(text_member(frame, "email"));
  const std::string name = trimmed(text_member(frame, "name"));
  if (!plausible_email(email)) {
    error("invalid", "hello needs \"email\": the customer's email address");
    return;
  }
  if (name.size() > kMaxName || text_member(frame, "subject").size() > kMaxSubject) {
    error("invalid", "\"name\" is limited to 200 bytes and \"subject\" to 500");
    return;
  }
  const Conversation opened = store_.open(name, email, trimmed(text_member(frame, "subject")),
                                          trimmed(text_member(frame, "text")));
  host_.counter_add("chat_conversations_total", 1, {{"how", "hello"}});
  joined(opened, false);
}

void ChatSession::resume(const sdk::json& frame) {
  if (conversation_) {
    error("bad_request",
          "this socket already belongs to conversation " + conversation_->case_number);
    return;
  }
  auto found = store_.find(text_member(frame, "token"));
  if (!found) {
    error("unknown_token", "no conversation has this token; say hello to start a new one");
    return;
  }
  host_.counter_add("chat_conversations_total", 1, {{"how", "resume"}});
  joined(*found, true);
}

void ChatSession::joined(const Conversation& conversation, bool resumed) {
  conversation_ = conversation;
  send({{"type", "welcome"},
        {"token", conversation.token},
        {"case_number", conversation.case_number},
        {"resumed", resumed}});
  hub_.attach_and_flush(conversation.token, shared_from_this());
}

void ChatSession::message(const sdk::json& frame) {
  if (!conversation_) {
    error("bad_request", "say hello (or resume with your token) before sending messages");
    return;
  }
  const sdk::json id = frame.value("id", sdk::json(nullptr));
  std::string client_id;
  if (id.is_string()) client_id = id.get<std::string>();
  if (id.is_number_integer()) client_id = std::to_string(id.get<std::int64_t>());
  if (client_id.empty() || client_id.size() > kMaxClientId) {
    error("invalid",
          "a message needs \"id\": a client message id (string or integer, at most "
          "100 characters) so a resend is not stored twice",
          id);
    return;
  }
  const std::string text = trimmed(text_member(frame, "text"));
  if (text.empty()) {
    error("invalid", "a message needs a non-empty \"text\"", id);
    return;
  }
  try {
    const sdk::json appended = host_.call(
        "case.append_message", {{"case_id", conversation_->case_id},
                                {"direction", "inbound"},
                                {"channel", settings_.channel},
                                {"author", conversation_->email},
                                {"body", text},
                                {"external_id", "chat:" + conversation_->token + ":" + client_id}});
    send({{"type", "ack"},
          {"id", id},
          {"message_id", appended.at("message").at("id")},
          {"duplicate", appended.value("duplicate", false)}});
  } catch (const sdk::HostError& e) {
    if (e.status() != CXLOOP_ERR_CONFLICT) throw;
    error("case_closed",
          "case " + conversation_->case_number +
              " is closed; say hello on a new socket to start a new conversation",
          id);
  }
}

}  // namespace cxloop::plugins::chat

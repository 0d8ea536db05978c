#include "chat_channel.hpp"

#include <Poco/Exception.h>

namespace cxloop::plugins::chat {

ChatChannel::ChatChannel(sdk::Host host)
    : ChannelPlugin(host),
      settings_(ChatSettings::from_json(host.config())),
      store_(host, settings_.channel),
      hub_(host, store_),
      server_(host, settings_, store_, hub_) {
  try {
    server_.start();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("the chat listener cannot bind " + settings_.listen + ":" +
                             std::to_string(settings_.port) + " (" + e.displayText() +
                             "); change settings.listen or settings.port");
  }
  host.kv_put("server/port", std::to_string(server_.port()));
  host.register_route("GET", "/endpoint", true);
  host.register_route("GET", "/status", false);
  // Scripts and tests read the port from this line; keep its shape.
  host.info("chat listening on " + settings_.listen + ":" + std::to_string(server_.port()));
}

ChatChannel::~ChatChannel() { server_.stop(); }

sdk::json ChatChannel::endpoint() const {
  return {{"listen", settings_.listen},
          {"port", server_.port()},
          {"widget_path", "/chat"},
          {"websocket_path", "/chat/ws"}};
}

sdk::Response ChatChannel::handle_http(const sdk::HttpRequest& request) {
  sdk::json body = endpoint();
  const std::string& path = request.path;
  if (path.size() >= 7 && path.compare(path.size() - 7, 7, "/status") == 0) {
    body["open_sockets"] = hub_.open_sockets();
    body["max_connections"] = settings_.max_connections;
  }
  return sdk::Response::json(200, body);
}

sdk::json ChatChannel::deliver(const sdk::json& work) {
  const sdk::json& message = work.at("message");
  const sdk::json& the_case = work.at("case");
  const std::int64_t message_id = message.at("id").get<std::int64_t>();
  const std::int64_t case_id = the_case.at("id").get<std::int64_t>();
  const auto token = store_.token_of_case(case_id);
  if (!token) {
    const std::string error = "case " + the_case.value("number", std::to_string(case_id)) +
                              " has no live chat conversation on this chat instance; reply "
                              "through the channel the customer used";
    host().call("message.set_delivery",
                {{"message_id", message_id}, {"delivery_state", "failed"}, {"error", error}});
    throw sdk::Error(CXLOOP_ERR_INVALID, error);
  }
  const sdk::json reply = {{"type", "reply"},
                           {"message_id", message_id},
                           {"text", message.value("body", "")},
                           {"author", message.value("author", sdk::json(nullptr))},
                           {"at", message.value("created_at", sdk::json(nullptr))},
                           {"case_number", the_case.value("number", "")}};
  const std::string state = hub_.deliver(*token, reply);
  host().counter_add("chat_replies_total", 1, {{"outcome", state}});
  return {{"state", state}, {"external_ref", "chat:" + *token + ":" + std::to_string(message_id)}};
}

}  // namespace cxloop::plugins::chat

CXLOOP_PLUGIN(cxloop::plugins::chat::ChatChannel, "chat", "channel", "1.0.0")

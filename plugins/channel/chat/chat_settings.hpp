// The chat channel instance's settings (its plugin.json config_schema) with defaults filled in.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cxloop::plugins::chat {

struct ChatSettings {
  std::string channel = "chat";  // recorded on cases; the instance name, so replies route here
  std::string listen = "127.0.0.1";
  int port = 8081;  // 0 picks a free port
  int max_frame_bytes = 16384;
  int idle_timeout_s = 300;
  int max_connections = 64;
  std::vector<std::string> allowed_origins;  // empty: any origin
  std::string title = "Chat with us";

  static ChatSettings from_json(const nlohmann::json& settings);
};

}  // namespace cxloop::plugins::chat

#include "chat_settings.hpp"

namespace cxloop::plugins::chat {
namespace {

template <typename T>
void read(const nlohmann::json& object, const char* key, T& target) {
  auto it = object.find(key);
  if (it != object.end() && !it->is_null()) target = it->get<T>();
}

}  // namespace

ChatSettings ChatSettings::from_json(const nlohmann::json& settings) {
  ChatSettings s;
  read(settings, "channel", s.channel);
  read(settings, "listen", s.listen);
  read(settings, "port", s.port);
  read(settings, "max_frame_bytes", s.max_frame_bytes);
  read(settings, "idle_timeout_s", s.idle_timeout_s);
  read(settings, "max_connections", s.max_connections);
  read(settings, "allowed_origins", s.allowed_origins);
  read(settings, "title", s.title);
  return s;
}

}  // namespace cxloop::plugins::chat

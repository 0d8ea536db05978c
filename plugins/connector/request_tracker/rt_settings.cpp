#include "rt_settings.hpp"

namespace cxloop::connectors::request_tracker {
namespace {

sdk::Error invalid(const std::string& message) { return sdk::Error(CXLOOP_ERR_INVALID, message); }

std::string required_string(const sdk::json& object, const std::string& key,
                            const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
    throw invalid("settings '" + path + "' is required and must be a non-empty string");
  }
  return it->get<std::string>();
}

std::chrono::seconds seconds_setting(const sdk::json& settings, const std::string& key,
                                     int fallback) {
  auto it = settings.find(key);
  if (it == settings.end()) return std::chrono::seconds(fallback);
  if (!it->is_number_integer() || it->get<int>() < 1) {
    throw invalid("settings '" + key + "' must be a whole number of seconds, at least 1");
  }
  return std::chrono::seconds(it->get<int>());
}

}  // namespace

RtSettings read_settings(const sdk::json& settings) {
  if (!settings.is_object()) throw invalid("settings must be an object");
  RtSettings out;
  out.url = required_string(settings, "url", "url");
  if (out.url.rfind("http://", 0) != 0 && out.url.rfind("https://", 0) != 0) {
    throw invalid("settings 'url' must start with http:// or https:// (RT's WebBaseURL)");
  }
  while (!out.url.empty() && out.url.back() == '/') out.url.pop_back();
  out.queue = required_string(settings, "queue", "queue");

  auto auth = settings.find("auth");
  if (auth == settings.end() || !auth->is_object()) {
    throw invalid(
        "settings 'auth' is required: {\"token\": \"<RT auth token>\"} or {\"username\", "
        "\"password\"}");
  }
  if (auth->contains("token")) {
    if (auth->contains("username") || auth->contains("password")) {
      throw invalid("settings 'auth' takes either 'token' or 'username' and 'password', not both");
    }
    out.token = required_string(*auth, "token", "auth/token");
  } else {
    out.username = required_string(*auth, "username", "auth/username");
    out.password = required_string(*auth, "password", "auth/password");
  }
  out.timeout = seconds_setting(settings, "timeout_s", 15);
  seconds_setting(settings, "poll_interval_s", 60);  // read by the server; checked here too
  out.status_map = settings.value("status_map", sdk::json());
  return out;
}

const std::map<std::string, std::string>& default_status_map() {
  static const std::map<std::string, std::string> map = {
      {"new", "open"},      {"open", "in_progress"},  {"stalled", "in_progress"},
      {"resolved", "done"}, {"rejected", "rejected"}, {"deleted", "rejected"},
  };
  return map;
}

}  // namespace cxloop::connectors::request_tracker

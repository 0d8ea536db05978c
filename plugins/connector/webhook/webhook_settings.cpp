#include "webhook_settings.hpp"

#include <map>
#include <set>

namespace cxloop::connectors::webhook {
namespace {

using sdk::Error;
using sdk::json;

std::string text_setting(const json& settings, const std::string& key, std::size_t min_length,
                         const std::string& hint) {
  const auto it = settings.find(key);
  if (it == settings.end()) {
    throw Error(CXLOOP_ERR_INVALID, "settings '" + key + "' is missing; " + hint);
  }
  if (!it->is_string() || it->get<std::string>().size() < min_length) {
    throw Error(CXLOOP_ERR_INVALID, "settings '" + key + "' must be a string of at least " +
                                        std::to_string(min_length) + " characters; " + hint);
  }
  return it->get<std::string>();
}

std::chrono::seconds seconds_setting(const json& settings, const std::string& key, long fallback,
                                     long maximum) {
  const auto it = settings.find(key);
  if (it == settings.end()) return std::chrono::seconds(fallback);
  if (!it->is_number_integer() || it->get<long>() < 1 || it->get<long>() > maximum) {
    throw Error(CXLOOP_ERR_INVALID, "settings '" + key + "' must be an integer number of " +
                                        "seconds from 1 to " + std::to_string(maximum) +
                                        " (default " + std::to_string(fallback) + ")");
  }
  return std::chrono::seconds(it->get<long>());
}

}  // namespace

bool is_http_url(const std::string& url) {
  for (const std::string scheme : {"http://", "https://"}) {
    if (url.compare(0, scheme.size(), scheme) == 0 && url.size() > scheme.size() &&
        url.find_first_of("/?#", scheme.size()) != scheme.size()) {
      return true;
    }
  }
  return false;
}

WebhookSettings read_settings(const json& settings) {
  if (!settings.is_object()) throw Error(CXLOOP_ERR_INVALID, "settings must be a JSON object");
  static const std::set<std::string> known = {"url",       "secret",          "callback_secret",
                                              "timeout_s", "replay_window_s", "status_map"};
  for (const auto& item : settings.items()) {
    const std::string key = item.key();
    if (known.count(key) == 0) {
      throw Error(CXLOOP_ERR_INVALID,
                  "settings '" + key +
                      "' is not a webhook connector setting; use url, secret, callback_secret, "
                      "timeout_s, replay_window_s or status_map");
    }
  }
  WebhookSettings out;
  out.url = text_setting(settings, "url", 1, "give the receiver's http:// or https:// URL");
  if (!is_http_url(out.url)) {
    throw Error(CXLOOP_ERR_INVALID, "settings 'url' is '" + out.url +
                                        "'; it must be an http:// or https:// URL with a host");
  }
  out.secret = text_setting(settings, "secret", 16,
                            "share a random secret with the receiver (e.g. openssl rand -hex 32)");
  out.callback_secret = settings.contains("callback_secret")
                            ? text_setting(settings, "callback_secret", 16,
                                           "or leave it out to verify callbacks with 'secret'")
                            : out.secret;
  out.timeout = seconds_setting(settings, "timeout_s", 10, 300);
  out.replay_window = seconds_setting(settings, "replay_window_s", 300, 86400);
  out.status_map = settings.value("status_map", json());
  return out;
}

const std::map<std::string, std::string>& default_status_map() {
  static const std::map<std::string, std::string> map = {{"queued", "queued"},
                                                         {"open", "open"},
                                                         {"new", "open"},
                                                         {"reopened", "open"},
                                                         {"accepted", "open"},
                                                         {"to do", "open"},
                                                         {"in_progress", "in_progress"},
                                                         {"in progress", "in_progress"},
                                                         {"in-progress", "in_progress"},
                                                         {"started", "in_progress"},
                                                         {"done", "done"},
                                                         {"resolved", "done"},
                                                         {"closed", "done"},
                                                         {"fixed", "done"},
                                                         {"completed", "done"},
                                                         {"rejected", "rejected"},
                                                         {"wontfix", "rejected"},
                                                         {"won't fix", "rejected"},
                                                         {"declined", "rejected"},
                                                         {"cancelled", "rejected"},
                                                         {"canceled", "rejected"}};
  return map;
}

}  // namespace cxloop::connectors::webhook

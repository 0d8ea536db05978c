// How an SMS gateway's answer to a send request is read, the same for the SMS channel's
// replies and the SMS notifier: which HTTP statuses are worth a retry, and the gateway's id
// for the accepted message. Header-only so each plugin stays one self-contained library.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cxloop::channels::sms {

// The gateway is busy or down (5xx, 408, 429): the outbox retries with backoff. Any other
// non-2xx is a refusal of this message (bad number, auth) that retrying cannot help.
inline bool gateway_retryable(int http_status) {
  return http_status >= 500 || http_status == 408 || http_status == 429;
}

// The gateway's id for the message: "sid", "id" or "message_id" of a JSON answer, "" when
// the answer has none.
inline std::string gateway_message_id(const std::string& body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object()) {
    for (const char* key : {"sid", "id", "message_id"}) {
      auto it = doc.find(key);
      if (it != doc.end() && it->is_string()) return it->get<std::string>();
      if (it != doc.end() && it->is_number_integer()) return std::to_string(it->get<long long>());
    }
  }
  return "";
}

}  // namespace cxloop::channels::sms

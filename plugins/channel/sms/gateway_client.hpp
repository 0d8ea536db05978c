// The SMS gateway's HTTP API as this channel speaks it: POST <gateway_url> with the form
// fields To, From and Body, HTTP basic auth account:secret, and an Idempotency-Key header so
// a gateway that honours it never sends a retried reply twice.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace cxloop::channels::sms {

struct GatewaySettings {
  std::string url;  // http:// or https://
  std::string account;
  std::string secret;
  std::chrono::seconds timeout{10};
};

struct GatewayReply {
  int status = 0;
  std::string body;
};

// Throws std::runtime_error when the gateway cannot be reached (connection refused,
// timeout, TLS failure); any HTTP answer is returned for the caller to judge.
GatewayReply post_message(const GatewaySettings& gateway,
                          const std::map<std::string, std::string>& fields,
                          const std::string& idempotency_key);

}  // namespace cxloop::channels::sms

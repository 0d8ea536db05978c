// Decides whether a callback really comes from the department: it must carry the timestamp
// and signature headers, be signed with the callback secret over "<timestamp>.<body>", carry
// a timestamp within the replay window of this server's clock, and not repeat a signature
// already accepted within that window. Anything else is refused with CXLOOP_ERR_FORBIDDEN
// (the kernel answers 401) and a message saying which check failed.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include <cxloop/sdk.hpp>

namespace cxloop::connectors::webhook {

inline constexpr const char* kTimestampHeader = "X-Cxloop-Timestamp";
inline constexpr const char* kSignatureHeader = "X-Cxloop-Signature";

// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)): the value of
// X-Cxloop-Signature on every delivery and callback.
std::string signature_header(const std::string& secret, const std::string& timestamp,
                             const std::string& body);

class CallbackVerifier {
 public:
  // Accepted signatures are remembered in the instance's kv store, so a replay is refused
  // after a restart too.
  CallbackVerifier(sdk::Host host, std::string secret, std::chrono::seconds replay_window);

  // Returns the accepted signature (hex), a stable id for what the callback carries.
  // now: the server's clock, a parameter so that tests need not wait.
  std::string verify(const sdk::HttpRequest& request,
                     std::chrono::system_clock::time_point now) const;

 private:
  void remember(const std::string& signature, long long timestamp, long long now) const;

  sdk::Host host_;
  std::string secret_;
  std::chrono::seconds replay_window_;
  // Callbacks arrive on many HTTP threads at once; the check-and-record of a signature must
  // be one step.
  mutable std::mutex seen_mutex_;
};

}  // namespace cxloop::connectors::webhook

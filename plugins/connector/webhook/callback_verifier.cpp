#include "callback_verifier.hpp"

#include <cctype>
#include <cstdlib>

#include "hmac_sha256.hpp"

namespace cxloop::connectors::webhook {
namespace {

using sdk::Error;
using sdk::json;

// One kv document of the signatures accepted within the window ({signature: timestamp}),
// pruned on every write so it stays as small as the callback rate times the window.
constexpr const char* kSeenKey = "callbacks:seen";

Error refused(const std::string& why) {
  return Error(CXLOOP_ERR_FORBIDDEN, "callback refused: " + why);
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

long long parse_timestamp(const std::string& text) {
  if (text.empty() || text.size() > 18) return -1;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
  }
  return std::atoll(text.c_str());
}

}  // namespace

std::string signature_header(const std::string& secret, const std::string& timestamp,
                             const std::string& body) {
  return "sha256=" + plugins::hmac_sha256_hex(secret, timestamp + "." + body);
}

CallbackVerifier::CallbackVerifier(sdk::Host host, std::string secret,
                                   std::chrono::seconds replay_window)
    : host_(host), secret_(std::move(secret)), replay_window_(replay_window) {}

std::string CallbackVerifier::verify(const sdk::HttpRequest& request,
                                     std::chrono::system_clock::time_point now) const {
  const auto timestamp_text = request.header(lower(kTimestampHeader));
  const auto signature = request.header(lower(kSignatureHeader));
  if (!signature || !timestamp_text) {
    throw refused(std::string("it is not signed; send the headers ") + kTimestampHeader +
                  " (Unix seconds) and " + kSignatureHeader +
                  " (sha256=<hex HMAC-SHA256 of '<timestamp>.<body>' with the callback secret>)");
  }
  const long long timestamp = parse_timestamp(*timestamp_text);
  if (timestamp < 0) {
    throw refused(std::string(kTimestampHeader) + " '" + *timestamp_text +
                  "' is not a Unix time in seconds");
  }
  const long long now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const long long skew = now_s > timestamp ? now_s - timestamp : timestamp - now_s;
  if (skew > replay_window_.count()) {
    throw refused("its timestamp is " + std::to_string(skew) +
                  " s away from the server's clock, outside replay_window_s (" +
                  std::to_string(replay_window_.count()) +
                  " s); sign it with the current time (and check both clocks)");
  }
  const std::string expected = signature_header(secret_, *timestamp_text, request.body);
  if (!plugins::signature_matches(expected, lower(*signature))) {
    throw refused(std::string(kSignatureHeader) +
                  " does not match the body; sign '<timestamp>.<body>' exactly as sent, with "
                  "HMAC-SHA256 and the callback secret, as sha256=<hex>");
  }
  const std::string accepted = expected.substr(std::string("sha256=").size());
  remember(accepted, timestamp, now_s);
  return accepted;
}

void CallbackVerifier::remember(const std::string& signature, long long timestamp,
                                long long now) const {
  std::lock_guard<std::mutex> lock(seen_mutex_);
  json seen = json::object();
  if (auto text = host_.kv_get(kSeenKey)) {
    seen = json::parse(*text, nullptr, false);
    if (!seen.is_object()) seen = json::object();
  }
  if (seen.contains(signature)) {
    throw refused("it is a replay: this signature was already accepted (timestamp " +
                  std::to_string(timestamp) + "); send each change once, with a new timestamp");
  }
  json kept = json::object();
  for (const auto& [known, at] : seen.items()) {
    // Outside the window a replay fails the timestamp check anyway, so it may be forgotten.
    if (at.is_number_integer() && now - at.get<long long>() <= replay_window_.count()) {
      kept[known] = at;
    }
  }
  kept[signature] = timestamp;
  host_.kv_put(kSeenKey, kept.dump());
}

}  // namespace cxloop::connectors::webhook

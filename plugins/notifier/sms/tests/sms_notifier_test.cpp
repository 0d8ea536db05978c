// The SMS notifier against a real HTTP gateway receiver the test starts on 127.0.0.1 (the one
// the SMS channel's tests use). The built plugin runs in the SDK's test harness
// (sdk/testing), which invokes "send" as the outbox does.
#include <catch2/catch.hpp>

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/ServerSocket.h>

#include <cxloop/sdk/testing/plugin_harness.hpp>

#include "gateway_receiver.hpp"
#include "sms_segments.hpp"

namespace {

using cxloop::sdk::testing::PluginHarness;
using cxloop::testing::GatewayReceiver;
using nlohmann::json;

json notifier_settings(const std::string& gateway_url, json extra = json::object()) {
  json settings = {{"gateway_url", gateway_url},
                   {"account", "AC-test"},
                   {"secret", "gateway-secret"},
                   {"from_number", "+4930123456"},
                   {"gateway_timeout_seconds", 5}};
  settings.merge_patch(extra);
  return settings;
}

json notification(const std::string& phone, const std::string& id, const std::string& text) {
  json recipient = {{"customer_id", 7}, {"name", "Ann Lee"}};
  if (!phone.empty()) recipient["phone"] = phone;
  return {
      {"notification_id", id}, {"kind", "advisory"},     {"idempotency_key", "notification:" + id},
      {"channel", "sms"},      {"recipient", recipient}, {"subject", "Kettle advisory"},
      {"text", text}};
}

class Notifier {
 public:
  explicit Notifier(const json& settings) : harness_(CXLOOP_SMS_NOTIFIER_DIR) {
    harness_.create(settings, "texts");
  }
  json send(const json& request) {
    const auto result = harness_.invoke("send", request);
    INFO("send -> " + result.text());
    REQUIRE(result.ok());
    return result.response;
  }
  cxloop_status failure(const json& request, std::string& message) {
    const auto result = harness_.invoke("send", request);
    message = result.error;
    return result.status;
  }
  // Leaves the kv store as an earlier, interrupted attempt would have left it.
  void remember(const std::string& key, const std::string& value) { harness_.kv_put(key, value); }

 private:
  PluginHarness harness_;
};

// The form fields the gateway received, decoded.
std::map<std::string, std::string> form_of(const cxloop::testing::GatewayRequest& request) {
  Poco::Net::HTMLForm form;
  form.read(request.body);
  return {form.begin(), form.end()};
}

// A text of n words "word1 word2 ...", GSM characters only.
std::string words(int n) {
  std::string text;
  for (int i = 1; i <= n; ++i) text += (i > 1 ? " " : "") + std::string("word") + std::to_string(i);
  return text;
}

}  // namespace

TEST_CASE("A notification is posted to the gateway as the SMS channel posts replies",
          "[notifier][sms]") {
  GatewayReceiver gateway;
  Notifier notifier(notifier_settings(gateway.url()));
  const json result = notifier.send(notification("+491701234567", "501", "Lids fixed from B-18."));
  CHECK(result.at("external_ref") == "SM1");
  CHECK(result.at("state") == "sent");

  const auto requests = gateway.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].uri == "/v1/messages");
  CHECK(requests[0].headers.at("Idempotency-Key") == "notification:501");
  CHECK(requests[0].headers.at("Authorization").rfind("Basic ", 0) == 0);
  const auto form = form_of(requests[0]);
  CHECK(form.at("To") == "+491701234567");
  CHECK(form.at("From") == "+4930123456");
  CHECK(form.at("Body") == "Lids fixed from B-18.");
}

TEST_CASE("Sending the same notification again posts once", "[notifier][sms]") {
  GatewayReceiver gateway;
  Notifier notifier(notifier_settings(gateway.url()));
  const json first = notifier.send(notification("+491701234567", "502", "Once."));
  const json second = notifier.send(notification("+491701234567", "502", "Once."));
  CHECK(second == first);
  CHECK(gateway.requests().size() == 1);
}

TEST_CASE("A long text is truncated to max_segments at a word, ending in three dots",
          "[notifier][sms]") {
  GatewayReceiver gateway;
  Notifier notifier(notifier_settings(gateway.url(), {{"max_segments", 1}}));
  const json result = notifier.send(notification("+491701234567", "503", words(60)));
  CHECK(result.at("truncated") == true);
  const auto requests = gateway.requests();
  REQUIRE(requests.size() == 1);
  const std::string body = form_of(requests[0]).at("Body");
  CHECK(cxloop::channels::sms::count_segments(body).segments == 1);
  CHECK(body.size() > 140);
  CHECK(body.rfind("...") == body.size() - 3);
  CHECK(body.rfind("word1 word2", 0) == 0);
  const std::string before_dots = body.substr(0, body.size() - 3);
  CHECK(words(60).find(before_dots + " ") == 0);  // cut between two words
}

TEST_CASE("A Unicode text is truncated within its UCS-2 segments", "[notifier][sms]") {
  GatewayReceiver gateway;
  Notifier notifier(notifier_settings(gateway.url(), {{"max_segments", 2}}));
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Крышка ";  // Cyrillic: UCS-2, 67 per segment
  notifier.send(notification("+491701234567", "510", text));
  const auto requests = gateway.requests();
  REQUIRE(requests.size() == 1);
  const std::string body = form_of(requests[0]).at("Body");
  const auto segments = cxloop::channels::sms::count_segments(body);
  CHECK(segments.unicode);
  CHECK(segments.segments == 2);
  CHECK(body.size() > 200);  // filled, not cut short
  CHECK(body.rfind("Крышка...") == body.size() - std::string("Крышка...").size());
}

TEST_CASE("A long text is split into numbered messages when long_text is split",
          "[notifier][sms]") {
  GatewayReceiver gateway;
  Notifier notifier(
      notifier_settings(gateway.url(), {{"max_segments", 1}, {"long_text", "split"}}));
  const std::string text = words(60);
  const json result = notifier.send(notification("+491701234567", "504", text));
  const auto requests = gateway.requests();
  REQUIRE(requests.size() >= 3);
  CHECK(result.at("parts").size() == requests.size());
  std::string joined;
  const std::string total = std::to_string(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::string body = form_of(requests[i]).at("Body");
    CHECK(cxloop::channels::sms::count_segments(body).segments == 1);
    const std::string number = "(" + std::to_string(i + 1) + "/" + total + ") ";
    REQUIRE(body.rfind(number, 0) == 0);
    joined += (i > 0 ? " " : "") + body.substr(number.size());
    CHECK(requests[i].headers.at("Idempotency-Key") == "notification:504#" + std::to_string(i + 1));
  }
  CHECK(joined == text);
}

TEST_CASE("A split text interrupted after its first part sends only the missing parts",
          "[notifier][sms]") {
  GatewayReceiver gateway;
  Notifier notifier(
      notifier_settings(gateway.url(), {{"max_segments", 1}, {"long_text", "split"}}));
  // An earlier attempt got part 1 accepted, then failed (gateway down, process killed).
  notifier.remember("part/notification:511#1", "SM-earlier");
  const json result = notifier.send(notification("+491701234567", "511", words(60)));
  const auto requests = gateway.requests();
  REQUIRE(result.at("parts").size() == requests.size() + 1);
  CHECK(result.at("parts")[0] == "SM-earlier");
  CHECK(result.at("external_ref") == "SM-earlier");
  CHECK(form_of(requests[0]).at("Body").rfind("(2/", 0) == 0);
  CHECK(requests[0].headers.at("Idempotency-Key") == "notification:511#2");
}

TEST_CASE("A recipient without a phone number is refused as invalid", "[notifier][sms]") {
  GatewayReceiver gateway;
  Notifier notifier(notifier_settings(gateway.url()));
  std::string message;
  CHECK(notifier.failure(notification("", "506", "Hello"), message) == CXLOOP_ERR_INVALID);
  CHECK(message.find("has no phone number") != std::string::npos);
  CHECK(gateway.requests().empty());
}

TEST_CASE("A busy gateway makes the send unavailable, a refusal makes it invalid",
          "[notifier][sms]") {
  GatewayReceiver gateway;
  Notifier notifier(notifier_settings(gateway.url()));
  std::string message;
  gateway.answer_with(429);
  CHECK(notifier.failure(notification("+491701234567", "507", "Hi"), message) ==
        CXLOOP_ERR_UNAVAILABLE);
  gateway.answer_with(400);
  CHECK(notifier.failure(notification("+491701234567", "508", "Hi"), message) ==
        CXLOOP_ERR_INVALID);
  CHECK(message.find("HTTP 400") != std::string::npos);
  gateway.answer_with(200);
  CHECK(notifier.send(notification("+491701234567", "507", "Hi")).at("state") == "sent");
}

TEST_CASE("An unreachable gateway makes the send unavailable", "[notifier][sms]") {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::uint16_t port = socket.address().port();
  socket.close();
  Notifier notifier(notifier_settings("http://127.0.0.1:" + std::to_string(port) + "/v1/messages"));
  std::string message;
  CHECK(notifier.failure(notification("+491701234567", "509", "Hi"), message) ==
        CXLOOP_ERR_UNAVAILABLE);
  CHECK(message.find("SMS gateway") != std::string::npos);
}

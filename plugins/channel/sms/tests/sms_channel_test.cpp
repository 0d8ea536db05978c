// The SMS channel against a real server and a real HTTP receiver standing in for the gateway.
#include <catch2/catch.hpp>

#include <Poco/Base64Decoder.h>
#include <Poco/URI.h>

#include <sstream>

#include "channel_server.hpp"
#include "gateway_receiver.hpp"
#include "sms_segments.hpp"
#include "webhook_signature.hpp"

using cxloop::testing::ChannelServer;
using cxloop::testing::GatewayReceiver;
using cxloop::testing::HttpResult;
using cxloop::testing::plugin_instance;
using cxloop::testing::wait_until;
using nlohmann::json;
namespace sms = cxloop::channels::sms;

namespace {

const std::string kSecret = "test-webhook-secret-123";
const std::string kInbound = "/hooks/channel/sms/inbound";

json sms_settings(const GatewayReceiver& gateway) {
  return {{"webhook_secret", kSecret},     {"gateway_url", gateway.url()},
          {"account", "AC-test"},          {"secret", "gateway-secret"},
          {"from_number", "+15559870000"}, {"thread_window_hours", 24}};
}

std::string encode(const std::map<std::string, std::string>& form) {
  std::string body;
  for (const auto& [name, value] : form) {
    std::string n, v;
    Poco::URI::encode(name, "&=+", n);
    Poco::URI::encode(value, "&=+", v);
    body += (body.empty() ? "" : "&") + n + "=" + v;
  }
  return body;
}

std::map<std::string, std::string> decode(const std::string& body) {
  std::map<std::string, std::string> out;
  std::stringstream parts(body);
  for (std::string pair; std::getline(parts, pair, '&');) {
    std::string name, value;
    Poco::URI::decode(pair.substr(0, pair.find('=')), name, true);
    Poco::URI::decode(pair.substr(pair.find('=') + 1), value, true);
    out[name] = value;
  }
  return out;
}

// A webhook as the gateway adapter sends it: form-encoded and signed.
HttpResult post_sms(ChannelServer& server, const std::map<std::string, std::string>& form,
                    const std::string& secret = kSecret, bool signed_request = true) {
  std::map<std::string, std::string> headers{{"Content-Type", "application/x-www-form-urlencoded"}};
  if (signed_request) headers["X-Cxloop-Signature"] = sms::sign(secret, kInbound, form);
  return server.request("POST", kInbound, encode(form), headers);
}

std::map<std::string, std::string> text(const std::string& from, const std::string& body,
                                        const std::string& sid) {
  return {{"From", from}, {"To", "+15559870000"}, {"Body", body}, {"MessageSid", sid}};
}

std::int64_t case_id_of(ChannelServer& server, const std::string& number) {
  for (const auto& c : server.cases("channel=sms")) {
    if (c.at("number") == number) return c.at("id").get<std::int64_t>();
  }
  throw std::runtime_error("no sms case " + number);
}

}  // namespace

TEST_CASE("the webhook signature is HMAC-SHA256 over the path and the sorted parameters") {
  std::map<std::string, std::string> form = text("+15551230100", "Hello there", "SM0001");
  CHECK(sms::signing_text(kInbound, form) ==
        "/hooks/channel/sms/inboundBodyHello thereFrom+15551230100MessageSidSM0001To+15559870000");
  // Computed independently (Python hmac) so the README's scheme is pinned, not just round-tripped.
  CHECK(sms::sign("test-webhook-secret-123", kInbound, form) ==
        "qxKAo+Zw06qgPVx+Wcm/Hs5HXB1E6nne3ikVGfJA168=");
  CHECK(sms::signature_matches("abc", "abc"));
  CHECK_FALSE(sms::signature_matches("abc", "abd"));
  CHECK_FALSE(sms::signature_matches("abc", "ab"));
}

TEST_CASE("SMS segments are 160/153 GSM characters or 70/67 UCS-2 characters") {
  CHECK(sms::count_segments(std::string(160, 'a')).segments == 1);
  CHECK(sms::count_segments(std::string(161, 'a')).segments == 2);
  CHECK(sms::count_segments(std::string(306, 'a')).segments == 2);
  CHECK(sms::count_segments(std::string(307, 'a')).segments == 3);
  CHECK(sms::count_segments(std::string(80, '{')).segments == 1);  // extension: 2 septets each
  CHECK(sms::count_segments(std::string(81, '{')).segments == 2);
  auto unicode = sms::count_segments("Danke 😀");
  CHECK(unicode.unicode);
  CHECK(unicode.segments == 1);
  std::string long_unicode;
  for (int i = 0; i < 71; ++i) long_unicode += "ж";
  CHECK(sms::count_segments(long_unicode).segments == 2);
}

TEST_CASE("an inbound SMS creates a case for the customer with that phone number") {
  GatewayReceiver gateway;
  ChannelServer server({plugin_instance("sms", "sms", sms_settings(gateway))});
  HttpResult answer = post_sms(server, text("+15551230100", "My kettle leaks", "SM-A1"));
  REQUIRE(answer.status == 200);
  json body = answer.json();
  CHECK(body.at("duplicate") == false);
  CHECK(body.at("threaded") == false);
  std::int64_t id = case_id_of(server, body.at("case"));
  json the_case = server.api_json("GET", "/api/v1/cases/" + std::to_string(id));
  CHECK(the_case.at("channel") == "sms");
  json customer = server.api_json(
      "GET", "/api/v1/customers/" + std::to_string(the_case.at("customer_id").get<long>()));
  CHECK(customer.at("phone") == "+15551230100");
  json messages = server.messages(id);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].at("body") == "My kettle leaks");
  CHECK(messages[0].at("external_id") == "SM-A1");
}

TEST_CASE("a follow-up SMS from the same number threads onto the open case") {
  GatewayReceiver gateway;
  ChannelServer server({plugin_instance("sms", "sms", sms_settings(gateway))});
  json first = post_sms(server, text("+15551230101", "Order 77 is late", "SM-B1")).json();
  HttpResult second = post_sms(server, text("+15551230101", "Any news?", "SM-B2"));
  REQUIRE(second.status == 200);
  CHECK(second.json().at("case") == first.at("case"));
  CHECK(second.json().at("threaded") == true);
  CHECK(server.cases("channel=sms").size() == 1);
  CHECK(server.messages(case_id_of(server, first.at("case"))).size() == 2);

  SECTION("another number gets its own case") {
    json other = post_sms(server, text("+15551230102", "Hello", "SM-B3")).json();
    CHECK(other.at("case") != first.at("case"));
  }
  SECTION("once the case is resolved a new message starts a new case") {
    std::int64_t id = case_id_of(server, first.at("case"));
    server.api_json("POST", "/api/v1/cases/" + std::to_string(id) + "/transition",
                    {{"state", "resolved"}});
    json later = post_sms(server, text("+15551230101", "New problem", "SM-B4")).json();
    CHECK(later.at("case") != first.at("case"));
    CHECK(later.at("threaded") == false);
  }
}

TEST_CASE("a retried webhook with the same MessageSid makes no second case or message") {
  GatewayReceiver gateway;
  ChannelServer server({plugin_instance("sms", "sms", sms_settings(gateway))});
  json first = post_sms(server, text("+15551230103", "Broken lid", "SM-C1")).json();
  HttpResult again = post_sms(server, text("+15551230103", "Broken lid", "SM-C1"));
  REQUIRE(again.status == 200);
  CHECK(again.json().at("duplicate") == true);
  CHECK(again.json().at("case") == first.at("case"));
  CHECK(server.cases("channel=sms").size() == 1);
  CHECK(server.messages(case_id_of(server, first.at("case"))).size() == 1);
}

TEST_CASE(
    "unsigned, wrongly signed, incomplete and oversized webhooks are refused with the reason") {
  GatewayReceiver gateway;
  json settings = sms_settings(gateway);
  settings["max_body_bytes"] = 2048;
  ChannelServer server({plugin_instance("sms", "sms", settings)});

  HttpResult unsigned_request =
      post_sms(server, text("+15551230104", "hi", "SM-D1"), kSecret, false);
  CHECK(unsigned_request.status == 403);
  CHECK_THAT(unsigned_request.body, Catch::Contains("X-Cxloop-Signature"));

  HttpResult forged = post_sms(server, text("+15551230104", "hi", "SM-D2"), "wrong-secret-0000000");
  CHECK(forged.status == 403);
  CHECK_THAT(forged.body, Catch::Contains("does not match"));

  // Signed for other content than was sent: a tampered body.
  std::map<std::string, std::string> form = text("+15551230104", "hi", "SM-D3");
  std::string signature = sms::sign(kSecret, kInbound, form);
  form["Body"] = "tampered";
  HttpResult tampered = server.request(
      "POST", kInbound, encode(form),
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Cxloop-Signature", signature}});
  CHECK(tampered.status == 403);

  HttpResult no_from = post_sms(server, {{"Body", "hi"}, {"MessageSid", "SM-D4"}});
  CHECK(no_from.status == 400);
  CHECK_THAT(no_from.body, Catch::Contains("'From'"));
  HttpResult no_body = post_sms(server, {{"From", "+15551230104"}, {"MessageSid", "SM-D5"}});
  CHECK(no_body.status == 400);
  CHECK_THAT(no_body.body, Catch::Contains("'Body'"));

  HttpResult oversized = post_sms(server, text("+15551230104", std::string(4000, 'x'), "SM-D6"));
  CHECK(oversized.status == 413);
  CHECK_THAT(oversized.body, Catch::Contains("max_body_bytes"));

  HttpResult wrong_type = server.request("POST", kInbound, R"({"From":"+15551230104"})",
                                         {{"Content-Type", "application/json"}});
  CHECK(wrong_type.status == 415);

  CHECK(server.cases("channel=sms").empty());
}

TEST_CASE("an agent's reply reaches the gateway and the message becomes sent") {
  GatewayReceiver gateway;
  ChannelServer server({plugin_instance("sms", "sms", sms_settings(gateway))});
  json intake = post_sms(server, text("+15551230105", "Where is my parcel?", "SM-E1")).json();
  std::int64_t id = case_id_of(server, intake.at("case"));

  json reply = server.api_json("POST", "/api/v1/cases/" + std::to_string(id) + "/messages",
                               {{"body", "It ships today."}});
  json message = reply.contains("message") ? reply.at("message") : reply;
  CHECK(message.at("delivery_state") == "pending");
  std::int64_t message_id = message.at("id").get<std::int64_t>();

  REQUIRE(
      wait_until([&] { return server.message(id, message_id).at("delivery_state") == "sent"; }));
  auto requests = gateway.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].uri == "/v1/messages");
  auto fields = decode(requests[0].body);
  CHECK(fields.at("To") == "+15551230105");
  CHECK(fields.at("From") == "+15559870000");
  CHECK(fields.at("Body") == "It ships today.");
  // HTTP basic auth with account:secret.
  std::string credentials;
  {
    std::istringstream in(requests[0].headers.at("Authorization").substr(6));
    Poco::Base64Decoder decoder(in);
    credentials.assign(std::istreambuf_iterator<char>(decoder), {});
  }
  CHECK(credentials == "AC-test:gateway-secret");
  CHECK(requests[0].headers.at("Idempotency-Key") == "message:" + std::to_string(message_id));
  CHECK(server.message(id, message_id).at("external_id") == "SM1");
}

TEST_CASE("a reply the gateway refuses is marked failed with the gateway's answer") {
  GatewayReceiver gateway;
  gateway.answer_with(400);
  ChannelServer server({plugin_instance("sms", "sms", sms_settings(gateway))});
  json intake = post_sms(server, text("+15551230106", "Hello", "SM-F1")).json();
  std::int64_t id = case_id_of(server, intake.at("case"));
  json reply = server.api_json("POST", "/api/v1/cases/" + std::to_string(id) + "/messages",
                               {{"body", "Hi"}});
  json message = reply.contains("message") ? reply.at("message") : reply;
  std::int64_t message_id = message.at("id").get<std::int64_t>();
  REQUIRE(
      wait_until([&] { return server.message(id, message_id).at("delivery_state") == "failed"; }));
  CHECK_THAT(
      server.message(id, message_id).at("attributes").at("delivery_error").get<std::string>(),
      Catch::Contains("HTTP 400"));
}

TEST_CASE("an SMS channel disabled in config answers 404 on its webhook") {
  GatewayReceiver gateway;
  ChannelServer server({plugin_instance("sms", "sms", sms_settings(gateway), false)});
  CHECK(post_sms(server, text("+15551230107", "hi", "SM-G1")).status == 404);
}

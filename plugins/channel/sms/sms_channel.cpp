// The SMS channel: a signed inbound webhook in the common gateway form turns text messages
// into cases (threading a phone number's messages onto its open case), and agents' replies
// go out through the gateway's HTTP API. Business rules stay in the kernel: this plugin only
// translates between the gateway and host operations.
#include <cxloop/sdk.hpp>

#include <chrono>
#include <ctime>
#include <string>

#include "form_fields.hpp"
#include "gateway_answer.hpp"
#include "gateway_client.hpp"
#include "sms_segments.hpp"
#include "text.hpp"
#include "webhook_signature.hpp"

namespace cxloop::channels::sms {
namespace {

using cxloop::sdk::json;
using cxloop::sdk::Response;

constexpr const char* kSignatureHeader = "x-cxloop-signature";

// RFC 3339 UTC in the kernel's own shape, so stored timestamps compare as text.
std::string utc_text(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &parts);
  return buffer;
}

Response problem(int status, const std::string& title, const std::string& detail) {
  Response r = Response::json(
      status, {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}});
  r.headers["content-type"] = "application/problem+json";
  return r;
}

}  // namespace

class SmsChannel : public cxloop::sdk::ChannelPlugin {
 public:
  explicit SmsChannel(cxloop::sdk::Host host) : ChannelPlugin(host) {
    const json settings = host.config();
    webhook_secret_ = settings.at("webhook_secret").get<std::string>();
    gateway_.url = settings.at("gateway_url").get<std::string>();
    gateway_.account = settings.at("account").get<std::string>();
    gateway_.secret = settings.at("secret").get<std::string>();
    gateway_.timeout = std::chrono::seconds(settings.value("gateway_timeout_seconds", 10));
    from_number_ = settings.at("from_number").get<std::string>();
    thread_window_ = std::chrono::hours(settings.value("thread_window_hours", 72));
    max_body_bytes_ = settings.value("max_body_bytes", std::size_t{16384});
    max_segments_ = settings.value("max_segments", 10);
    host.register_route("POST", "/inbound", true);
  }

  Response handle_http(const cxloop::sdk::HttpRequest& request) override {
    // The route path carries the instance name (/hooks/channel/<instance>/inbound); it is
    // the channel recorded on cases.
    const std::string channel = instance_from(request.path);
    if (request.body.size() > max_body_bytes_) {
      count("sms_inbound_refused_total", "too_large");
      return problem(413, "Payload too large",
                     "the webhook body is " + std::to_string(request.body.size()) +
                         " bytes; this channel accepts at most " + std::to_string(max_body_bytes_) +
                         " (settings.max_body_bytes)");
    }
    if (media_type(request.header("content-type").value_or("")) !=
        "application/x-www-form-urlencoded") {
      count("sms_inbound_refused_total", "media_type");
      return problem(415, "Unsupported media type",
                     "send the webhook as application/x-www-form-urlencoded with From, To, Body "
                     "and MessageSid");
    }
    std::map<std::string, std::string> form;
    try {
      form = parse_form(request.body);
    } catch (const FormEncodingError& e) {
      count("sms_inbound_refused_total", "malformed");
      return problem(400, "Malformed form body", e.what());
    }
    const auto given = request.header(kSignatureHeader);
    if (!given || given->empty()) {
      count("sms_inbound_refused_total", "unsigned");
      return problem(403, "Unsigned webhook",
                     "the request has no X-Cxloop-Signature header; sign it with the channel's "
                     "webhook_secret as the channel's README.md describes");
    }
    if (!signature_matches(sign(webhook_secret_, request.path, form), trimmed(*given))) {
      count("sms_inbound_refused_total", "bad_signature");
      return problem(403, "Bad signature",
                     "X-Cxloop-Signature does not match this request; check the webhook_secret "
                     "and that the signed path is " +
                         request.path);
    }
    for (const char* field : {"From", "Body", "MessageSid"}) {
      auto it = form.find(field);
      if (it == form.end() || trimmed(it->second).empty()) {
        count("sms_inbound_refused_total", "missing_field");
        return problem(400, "Missing field",
                       std::string("the form field '") + field + "' is missing or empty");
      }
    }
    const std::string from = trimmed(form.at("From"));
    const std::string sid = trimmed(form.at("MessageSid"));
    const std::string body = form.at("Body");
    const std::string to = form.count("To") != 0 ? trimmed(form.at("To")) : std::string();

    // The same MessageSid again (the gateway retrying after a lost answer): answer as before.
    // case.intake and case.append_message also refuse duplicates; this record covers the
    // case that was closed or moved out of the thread window in between.
    if (auto seen = host().kv_get("sid:" + sid)) {
      count("sms_inbound_total", "duplicate");
      json answer = json::parse(*seen);
      answer["duplicate"] = true;
      return Response::json(200, answer);
    }
    json customer = host().call("customer.resolve", {{"phone", from}}).at("customer");
    const auto customer_id = customer.at("id").get<std::int64_t>();
    json attributes = {{"from", from}, {"message_sid", sid}};
    if (!to.empty()) attributes["to"] = to;

    json answer;
    if (auto open = open_case(channel, customer_id)) {
      json appended = host().call("case.append_message", {{"case_id", open->at("id")},
                                                          {"direction", "inbound"},
                                                          {"body", body},
                                                          {"channel", channel},
                                                          {"author", from},
                                                          {"external_id", sid},
                                                          {"attributes", attributes}});
      answer = {{"case", appended.at("case").at("number")},
                {"message_id", appended.at("message").at("id")},
                {"threaded", true},
                {"duplicate", appended.at("duplicate")}};
    } else {
      json created = host().call(
          "case.intake", {{"channel", channel},
                          {"external_ref", sid},
                          {"customer_id", customer_id},
                          {"subject", "SMS from " + from + ": " + channels::first_line(body, 80)},
                          {"body", body},
                          {"author", from},
                          {"attributes", attributes}});
      answer = {{"case", created.at("case").at("number")},
                {"message_id", created.at("message").is_object() ? created.at("message").at("id")
                                                                 : json(nullptr)},
                {"threaded", false},
                {"duplicate", created.at("duplicate")}};
    }
    host().kv_put("sid:" + sid, json{{"case", answer.at("case")},
                                     {"message_id", answer.at("message_id")},
                                     {"threaded", answer.at("threaded")}}
                                    .dump());
    count("sms_inbound_total", answer.at("duplicate").get<bool>() ? "duplicate" : "accepted");
    // Stored before acknowledging: the gateway may forget the message once it sees 200.
    return Response::json(200, answer);
  }

  json deliver(const json& request) override {
    const json& message = require(request, "message");
    const json& customer = require(request, "customer");
    const std::string key = request.value("idempotency_key", std::string());
    const auto message_id = message.at("id").get<std::int64_t>();

    // A retried outbox item whose send already went through only reports it again.
    if (!key.empty()) {
      if (auto sent = host().kv_get("sent:" + key)) {
        report(message_id, "sent", *sent, "");
        return {{"external_ref", *sent}, {"repeated", true}};
      }
    }
    const json phone = customer.value("phone", json(nullptr));
    if (!phone.is_string() || phone.get<std::string>().empty()) {
      report(message_id, "failed", "",
             "the customer has no phone number; add one to the customer or reply by email");
      return {{"state", "failed"}};
    }
    const std::string body = message.at("body").get<std::string>();
    const SegmentCount segments = count_segments(body);
    if (segments.segments > max_segments_) {
      report(message_id, "failed", "",
             "the reply needs " + std::to_string(segments.segments) +
                 " SMS segments; this "
                 "channel sends at most " +
                 std::to_string(max_segments_) + " (settings.max_segments); shorten the reply");
      return {{"state", "failed"}};
    }

    GatewayReply reply;
    try {
      reply = post_message(
          gateway_, {{"To", phone.get<std::string>()}, {"From", from_number_}, {"Body", body}},
          key.empty() ? "message:" + std::to_string(message_id) : key);
    } catch (const std::runtime_error& e) {
      throw cxloop::sdk::Error(CXLOOP_ERR_UNAVAILABLE, e.what());
    }
    if (gateway_retryable(reply.status)) {
      // The gateway is busy or down: the outbox retries with backoff.
      throw cxloop::sdk::Error(CXLOOP_ERR_UNAVAILABLE, "SMS gateway answered HTTP " +
                                                           std::to_string(reply.status) +
                                                           "; the reply will be retried");
    }
    if (reply.status < 200 || reply.status >= 300) {
      // The gateway refused this message (bad number, auth): retrying cannot help.
      report(message_id, "failed", "",
             "SMS gateway refused the reply with HTTP " + std::to_string(reply.status) + ": " +
                 channels::first_line(reply.body, 300));
      return {{"state", "failed"}};
    }
    const std::string gateway_id = gateway_message_id(reply.body);
    if (!key.empty()) host().kv_put("sent:" + key, gateway_id);
    report(message_id, "sent", gateway_id, "");
    count("sms_outbound_total", "sent");
    return {{"external_ref", gateway_id}, {"segments", segments.segments}};
  }

 private:
  static std::string instance_from(const std::string& path) {
    // /hooks/channel/<instance>/inbound
    const std::string prefix = "/hooks/channel/";
    if (path.rfind(prefix, 0) != 0) return "sms";
    const std::size_t end = path.find('/', prefix.size());
    return path.substr(prefix.size(),
                       end == std::string::npos ? std::string::npos : end - prefix.size());
  }

  // The customer's newest case on this channel that is still open and was touched within
  // the thread window; a later message belongs to that conversation.
  std::optional<json> open_case(const std::string& channel, std::int64_t customer_id) const {
    const std::string cutoff = utc_text(std::chrono::system_clock::now() - thread_window_);
    const json page = host().call("case.list", {{"customer_id", customer_id},
                                                {"channel", channel},
                                                {"state", "new,open,pending"},
                                                {"limit", 20}});
    std::optional<json> newest;
    for (const auto& item : page.at("items")) {
      const std::string updated = item.value("updated_at", std::string());
      if (updated < cutoff) continue;
      if (!newest || updated > newest->value("updated_at", std::string())) newest = item;
    }
    return newest;
  }

  void report(std::int64_t message_id, const std::string& state, const std::string& external_id,
              const std::string& error) const {
    json request = {{"message_id", message_id}, {"delivery_state", state}};
    if (!external_id.empty()) request["external_id"] = external_id;
    if (!error.empty()) request["error"] = error;
    host().call("message.set_delivery", request);
    if (state == "failed") {
      host().warning("reply message " + std::to_string(message_id) + " not sent: " + error);
      count("sms_outbound_total", "failed");
    }
  }

  void count(const std::string& metric, const std::string& outcome) const {
    host().counter_add(metric, 1.0, {{"outcome", outcome}});
  }

  std::string webhook_secret_;
  GatewaySettings gateway_;
  std::string from_number_;
  std::chrono::hours thread_window_{72};
  std::size_t max_body_bytes_ = 16384;
  int max_segments_ = 10;
};

}  // namespace cxloop::channels::sms

CXLOOP_PLUGIN(cxloop::channels::sms::SmsChannel, "sms", "channel", "1.0.0")

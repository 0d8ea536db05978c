// The SMS notifier: a notification document (docs/sdk.md, notifier "send") becomes one text
// message, or several for a long text when settings.long_text is "split", posted to the SMS
// gateway's HTTP API exactly as the SMS channel posts its replies (plugins/channel/sms:
// form fields To, From, Body, HTTP basic auth, an Idempotency-Key per message). See README.md.
#include <cxloop/sdk.hpp>

#include "gateway_answer.hpp"
#include "gateway_client.hpp"
#include "json_text.hpp"
#include "long_text.hpp"
#include "text.hpp"

namespace cxloop::plugins::sms_notifier {
namespace {

using plugins::text_member;
using sdk::json;

}  // namespace

class SmsNotifier : public sdk::NotifierPlugin {
 public:
  explicit SmsNotifier(sdk::Host host) : NotifierPlugin(host) {
    const json settings = host.config();
    gateway_.url = settings.at("gateway_url").get<std::string>();
    gateway_.account = settings.at("account").get<std::string>();
    gateway_.secret = settings.at("secret").get<std::string>();
    gateway_.timeout = std::chrono::seconds(settings.value("gateway_timeout_seconds", 10));
    from_number_ = settings.at("from_number").get<std::string>();
    max_segments_ = settings.value("max_segments", 3);
    long_text_ = settings.value("long_text", std::string("truncate")) == "split"
                     ? LongText::split
                     : LongText::truncate;
  }

  json send(const json& notification) override {
    const std::string notification_id = plugins::id_member(notification, "notification_id");
    std::string key = text_member(notification, "idempotency_key");
    if (key.empty()) key = "notification/" + notification_id;
    if (key == "notification/") {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "the notification has neither a notification_id nor an idempotency_key");
    }
    if (auto sent = host().kv_get("sent/" + key)) return json::parse(*sent);

    const json recipient = notification.value("recipient", json::object());
    const std::string phone = channels::trimmed(text_member(recipient, "phone"));
    if (phone.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "recipient '" + text_member(recipient, "name") +
                           "' has no phone number; add one to the customer or notify them "
                           "through another channel");
    }
    const std::string text = text_member(notification, "text");
    if (text.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "notification " + notification_id + " has no \"text\" to send as SMS");
    }

    const std::vector<std::string> messages = sms_messages(text, max_segments_, long_text_);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      // Each part is recorded once accepted, so a retry after a failure in the middle of a
      // split text sends only the parts the gateway has not taken yet.
      const std::string part_key = messages.size() == 1 ? key : key + "#" + std::to_string(i + 1);
      if (auto done = host().kv_get("part/" + part_key)) {
        ids.push_back(*done);
        continue;
      }
      ids.push_back(post(phone, messages[i], part_key, notification_id));
      if (messages.size() > 1) host().kv_put("part/" + part_key, ids.back());
    }
    json result = {{"external_ref", ids.front()}, {"state", "sent"}};
    if (messages.size() > 1) result["parts"] = ids;
    if (long_text_ == LongText::truncate && messages.front() != text) result["truncated"] = true;
    // Kept although the outbox records the outcome too: the dispatcher records a batch's
    // outcomes after its last send, so after a crash in between this is what keeps a retry
    // from posting again (not every gateway honours the Idempotency-Key).
    host().kv_put("sent/" + key, result.dump());
    host().counter_add("sms_notifier_messages_total", static_cast<double>(messages.size()),
                       {{"outcome", "sent"}});
    return result;
  }

 private:
  // One gateway request; returns the gateway's message id (the idempotency key when the
  // gateway answers without one).
  std::string post(const std::string& phone, const std::string& body, const std::string& key,
                   const std::string& notification_id) {
    channels::sms::GatewayReply reply;
    try {
      reply = channels::sms::post_message(
          gateway_, {{"To", phone}, {"From", from_number_}, {"Body", body}}, key);
    } catch (const std::runtime_error& e) {
      host().counter_add("sms_notifier_messages_total", 1, {{"outcome", "retry"}});
      throw sdk::Error(CXLOOP_ERR_UNAVAILABLE, e.what());
    }
    if (channels::sms::gateway_retryable(reply.status)) {
      host().counter_add("sms_notifier_messages_total", 1, {{"outcome", "retry"}});
      throw sdk::Error(CXLOOP_ERR_UNAVAILABLE,
                       "SMS gateway answered HTTP " + std::to_string(reply.status) +
                           "; notification " + notification_id + " will be retried");
    }
    if (reply.status < 200 || reply.status >= 300) {
      host().counter_add("sms_notifier_messages_total", 1, {{"outcome", "refused"}});
      throw sdk::Error(CXLOOP_ERR_INVALID, "SMS gateway refused notification " + notification_id +
                                               " to " + phone + " with HTTP " +
                                               std::to_string(reply.status) + ": " +
                                               channels::first_line(reply.body, 300));
    }
    const std::string id = channels::sms::gateway_message_id(reply.body);
    return id.empty() ? key : id;
  }

  channels::sms::GatewaySettings gateway_;
  std::string from_number_;
  int max_segments_ = 3;
  LongText long_text_ = LongText::truncate;
};

}  // namespace cxloop::plugins::sms_notifier

CXLOOP_PLUGIN(cxloop::plugins::sms_notifier::SmsNotifier, "sms_notifier", "notifier", "1.0.0")

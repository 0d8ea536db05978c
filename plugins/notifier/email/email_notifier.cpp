// The email notifier: a notification document (docs/sdk.md, notifier "send") becomes one mail
// to the recipient, plain text with an optional HTML alternative, a Message-ID derived from
// the notification, and List-Unsubscribe headers when the campaign gives an unsubscribe link.
// Mails go out over a small pool of persistent SMTP connections (smtp_pool.hpp). See README.md.
#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include <cxloop/sdk.hpp>

#include "json_text.hpp"
#include "mail/mail_settings.hpp"
#include "mail/smtp_connection.hpp"
#include "smtp_pool.hpp"

namespace cxloop::plugins::email_notifier {
namespace {

using plugins::text_member;
using sdk::json;

// Only characters a Message-ID's left part may hold.
std::string id_part(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') out += c;
  }
  return out;
}

}  // namespace

class EmailNotifier : public sdk::NotifierPlugin {
 public:
  explicit EmailNotifier(sdk::Host host)
      : NotifierPlugin(host),
        address_(host.config().at("address").get<std::string>()),
        display_name_(host.config().value("display_name", std::string("Customer Service"))),
        reply_to_(host.config().value("reply_to", std::string())),
        pool_(mail::SmtpSettings::from_json(host.config().value("smtp", json()),
                                            mail::domain_of(address_)),
              mail::TlsSettings::from_json(host.config().value("tls", json())),
              host.config().value("connections", 2),
              [host] { host.counter_add("email_notifier_smtp_connections_total"); }) {}

  json send(const json& notification) override {
    const std::string notification_id = plugins::id_member(notification, "notification_id");
    std::string key = text_member(notification, "idempotency_key");
    if (key.empty()) key = "notification/" + notification_id;
    if (notification_id.empty() && key == "notification/") {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "the notification has neither a notification_id nor an idempotency_key");
    }
    const std::string sent_key = "sent/" + key;
    if (auto sent = host().kv_get(sent_key)) return {{"external_ref", *sent}, {"state", "sent"}};

    const json recipient = notification.value("recipient", json::object());
    const std::string to = text_member(recipient, "email");
    if (to.find('@') == std::string::npos) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "recipient '" + text_member(recipient, "name") +
                           "' has no email address; add one to the customer or notify them "
                           "through another channel");
    }
    const std::string subject = text_member(notification, "subject");
    const std::string text = text_member(notification, "text");
    if (subject.empty() || text.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "notification " + notification_id +
                           " needs a non-empty \"subject\" and \"text\" to be sent by email");
    }

    mail::OutboundEmail mail;
    mail.from_address = address_;
    mail.from_name = display_name_;
    mail.to_address = to;
    mail.to_name = text_member(recipient, "name");
    mail.subject = subject;
    mail.message_id = message_id(notification_id, key);
    mail.auto_submitted = "auto-generated";
    mail.body = text;
    mail.html = text_member(notification, "html");
    if (!reply_to_.empty()) mail.headers.emplace_back("Reply-To", reply_to_);
    if (!notification_id.empty())
      mail.headers.emplace_back("X-Cxloop-Notification", notification_id);
    const std::string kind = text_member(notification, "kind");
    if (!kind.empty()) mail.headers.emplace_back("X-Cxloop-Notification-Kind", kind);
    const std::string unsubscribe =
        text_member(notification.value("links", json::object()), "unsubscribe");
    if (!unsubscribe.empty()) {
      // RFC 8058 one-click unsubscribe: mail clients POST to the link without a page.
      mail.headers.emplace_back("List-Unsubscribe", "<" + unsubscribe + ">");
      mail.headers.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    }

    try {
      pool_.send(mail);
    } catch (const mail::SmtpFailure& failure) {
      host().counter_add("email_notifier_sent_total", 1,
                         {{"outcome", failure.permanent() ? "refused" : "retry"}});
      throw sdk::Error(failure.permanent() ? CXLOOP_ERR_INVALID : CXLOOP_ERR_UNAVAILABLE,
                       "notification " + notification_id + " to " + to + ": " + failure.what());
    }
    // Kept although the outbox records the outcome too: the dispatcher records a batch's
    // outcomes after its last send, so after a crash in between this is what keeps a retry
    // from mailing again (a write per mail, grouped with other workers' by the commit).
    host().kv_put(sent_key, mail.message_id);
    host().counter_add("email_notifier_sent_total", 1, {{"outcome", "sent"}});
    return {{"external_ref", mail.message_id}, {"state", "sent"}};
  }

 private:
  // The same for every attempt at one notification, so a mail sent twice after a crash
  // between sending and recording carries one Message-ID that mail systems de-duplicate.
  std::string message_id(const std::string& notification_id, const std::string& key) const {
    Poco::SHA1Engine sha1;
    sha1.update(key);
    const std::string digest = Poco::DigestEngine::digestToHex(sha1.digest()).substr(0, 16);
    const std::string id = id_part(notification_id);
    return "<cxloop-notification." + (id.empty() ? std::string() : id + ".") + digest + "@" +
           mail::domain_of(address_) + ">";
  }

  std::string address_, display_name_, reply_to_;
  SmtpPool pool_;
};

}  // namespace cxloop::plugins::email_notifier

CXLOOP_PLUGIN(cxloop::plugins::email_notifier::EmailNotifier, "email_notifier", "notifier", "1.0.0")

#include "reply_delivery.hpp"

#include <Poco/RandomStream.h>
#include <Poco/String.h>

#include "json_text.hpp"
#include "mail/smtp_connection.hpp"
#include "mail_intake.hpp"

namespace cxloop::plugins::email {
using plugins::text_member;

namespace {

// Enough of the conversation for any mail client; older ids add nothing to threading.
constexpr std::size_t kMaxReferences = 20;

bool starts_with_reply_prefix(const std::string& subject) {
  return subject.size() >= 3 && Poco::icompare(subject.substr(0, 3), "re:") == 0;
}

}  // namespace

std::string reply_subject(const std::string& case_subject, const std::string& case_number) {
  std::string base = Poco::trim(case_subject);
  while (starts_with_reply_prefix(base)) base = Poco::trim(base.substr(3));
  if (base.empty()) base = "Your request";
  const std::string token = "[" + case_number + "]";
  std::string subject = "Re: " + base;
  if (base.find(token) == std::string::npos) subject += " " + token;
  return subject;
}

std::string ReplyDelivery::new_message_id(const std::string& case_number,
                                          std::int64_t message_id) const {
  Poco::RandomInputStream random;
  unsigned char bytes[8];
  random.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  static const char* hex = "0123456789abcdef";
  std::string nonce;
  for (unsigned char b : bytes) {
    nonce += hex[b >> 4];
    nonce += hex[b & 0x0F];
  }
  const std::string domain = settings_.address.substr(settings_.address.find('@') + 1);
  return "<cxloop." + case_number + "." + std::to_string(message_id) + "." + nonce + "@" + domain +
         ">";
}

ReplyDelivery::Thread ReplyDelivery::thread_of(std::int64_t case_id) const {
  Thread thread;
  std::int64_t after = 0;
  for (;;) {
    const sdk::json page =
        host_.call("case.messages", {{"case_id", case_id}, {"after_id", after}, {"limit", 500}});
    const sdk::json& items = page.is_array() ? page : page.value("items", sdk::json::array());
    if (items.empty()) break;
    for (const auto& message : items) {
      after = message.at("id").get<std::int64_t>();
      const std::string external_id = text_member(message, "external_id");
      if (text_member(message, "direction") != "inbound" || external_id.empty() ||
          external_id.front() != '<') {
        continue;
      }
      thread.in_reply_to = external_id;
      thread.references.clear();
      const sdk::json attributes = message.value("attributes", sdk::json::object());
      if (attributes.contains("email") && attributes["email"].contains("references") &&
          attributes["email"]["references"].is_array()) {
        for (const auto& id : attributes["email"]["references"]) {
          if (id.is_string()) thread.references.push_back(id.get<std::string>());
        }
      }
      thread.references.push_back(external_id);
    }
    if (items.size() < 500) break;
  }
  if (thread.references.size() > kMaxReferences) {
    thread.references.erase(thread.references.begin(),
                            thread.references.end() - static_cast<long>(kMaxReferences));
  }
  return thread;
}

void ReplyDelivery::set_delivery(std::int64_t message_id, const std::string& state,
                                 const std::string& external_id, const std::string& error) const {
  sdk::json request = {{"message_id", message_id}, {"delivery_state", state}};
  if (!external_id.empty()) request["external_id"] = external_id;
  if (!error.empty()) request["error"] = error;
  host_.call("message.set_delivery", request);
}

sdk::json ReplyDelivery::deliver(const sdk::json& work) const {
  const sdk::json& message = work.at("message");
  const sdk::json& the_case = work.at("case");
  const sdk::json customer = work.value("customer", sdk::json::object());
  const std::int64_t message_id = message.at("id").get<std::int64_t>();
  const std::int64_t case_id = the_case.at("id").get<std::int64_t>();
  const std::string case_number = the_case.at("number").get<std::string>();
  const std::string record_key = "outbound/" + std::to_string(message_id);

  sdk::json record = sdk::json::object();
  if (auto text = host_.kv_get(record_key)) record = sdk::json::parse(*text, nullptr, false);
  if (!record.is_object()) record = sdk::json::object();
  if (record.value("state", "") == "sent") {
    // Sent before the outbox recorded it (a crash or a lost answer): report, do not resend.
    const std::string sent_id = record.value("message_id", "");
    set_delivery(message_id, "sent", sent_id, "");
    return {{"external_ref", sent_id}, {"state", "sent"}, {"repeated", true}};
  }

  const std::string to = text_member(customer, "email");
  if (to.empty()) {
    const std::string error = "customer " + customer.value("id", sdk::json(nullptr)).dump() +
                              " of case " + case_number +
                              " has no email address; add one to the customer to reply by mail";
    set_delivery(message_id, "failed", "", error);
    throw sdk::Error(CXLOOP_ERR_INVALID, error);
  }

  std::string header_id = record.value("message_id", "");
  if (header_id.empty()) {
    header_id = new_message_id(case_number, message_id);
    record = {{"message_id", header_id}, {"state", "sending"}, {"case_id", case_id}};
    host_.kv_put(record_key, record.dump());
    // The customer's answer quotes this id in In-Reply-To: that is how it finds the case.
    // Recorded before sending, so an answer can never arrive before its mapping.
    host_.kv_put(MailIntake::message_id_key(header_id), std::to_string(case_id));
  }

  const Thread thread = thread_of(case_id);
  mail::OutboundEmail mail;
  mail.from_address = settings_.address;
  mail.from_name = settings_.display_name;
  mail.to_address = to;
  mail.to_name = text_member(customer, "name");
  mail.subject = reply_subject(text_member(the_case, "subject"), case_number);
  mail.message_id = header_id;
  mail.in_reply_to = thread.in_reply_to;
  mail.references = thread.references;
  mail.auto_submitted = "auto-replied";
  mail.body = text_member(message, "body");

  try {
    mail::send_mail(settings_.smtp, settings_.tls, mail);
  } catch (const mail::SmtpFailure& failure) {
    host_.counter_add("email_outbound_total", 1,
                      {{"outcome", failure.permanent() ? "failed" : "retry"}});
    if (!failure.permanent()) throw sdk::Error(CXLOOP_ERR_UNAVAILABLE, failure.what());
    record["state"] = "failed";
    host_.kv_put(record_key, record.dump());
    set_delivery(message_id, "failed", "", failure.what());
    throw sdk::Error(CXLOOP_ERR_INVALID, failure.what());
  }
  record["state"] = "sent";
  host_.kv_put(record_key, record.dump());
  host_.counter_add("email_outbound_total", 1, {{"outcome", "sent"}});
  set_delivery(message_id, "sent", header_id, "");
  return {{"external_ref", header_id}, {"state", "sent"}};
}

}  // namespace cxloop::plugins::email

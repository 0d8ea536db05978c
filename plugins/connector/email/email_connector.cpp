// The email department connector: a task becomes a mail to the department's mailbox, and the
// department's replies, read from this instance's POP3 mailbox when the kernel polls, become
// task status changes and comments. See README.md for settings, behaviour and errors.
//   invoke "push"                                  send the task mail (once per idempotency key)
//   invoke "update" {"task", "change"}             mail a change made in cxloop, in the thread
//   invoke "poll" {"refs"}                         read replies for those tokens
//   GET /plugins/<instance>/quarantine[/{id}]      replies that could not be attributed (admin)
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/POP3ClientSession.h>

#include <cxloop/sdk.hpp>

#include "json_text.hpp"
#include "mail/charset_converter.hpp"
#include "mail/inbound_email.hpp"
#include "mail/mail_rejection.hpp"
#include "mail/mail_settings.hpp"
#include "mail/pop3_session.hpp"
#include "mail/quarantine.hpp"
#include "mail/smtp_connection.hpp"
#include "reply_command.hpp"
#include "task_mail.hpp"

namespace cxloop::plugins::email_connector {
namespace {

using plugins::text_member;
using sdk::json;

// The reply's Date header (RFC 5322) as RFC 3339 UTC, the kernel's timestamp form; "" when
// the header is missing or unreadable.
std::string rfc3339(const std::string& date_header) {
  Poco::DateTime date;
  int zone = 0;
  if (date_header.empty() || !Poco::DateTimeParser::tryParse(date_header, date, zone)) return {};
  date.makeUTC(zone);
  return Poco::DateTimeFormatter::format(date, "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace

class EmailConnector : public sdk::ConnectorPlugin {
 public:
  explicit EmailConnector(sdk::Host host)
      : ConnectorPlugin(host),
        settings_(host.config()),
        commands_(reply_status_map(settings_.value("status_map", json()))),
        quarantine_(host) {
    mail::register_mail_encodings();
    address_ = settings_.at("address").get<std::string>();
    display_name_ = settings_.value("display_name", std::string("cxloop tasks"));
    default_to_ = settings_.value("to", std::string());
    max_message_bytes_ = settings_.value("max_message_bytes", max_message_bytes_);
    unclaimed_days_ = settings_.value("unclaimed_days", unclaimed_days_);
    smtp_ =
        mail::SmtpSettings::from_json(settings_.value("smtp", json()), mail::domain_of(address_));
    pop3_ = mail::Pop3Settings::from_json(settings_.value("pop3", json()));
    tls_ = mail::TlsSettings::from_json(settings_.value("tls", json()));
    host.register_route("GET", "/quarantine", false);
    host.register_route("GET", "/quarantine/{id}", false);
  }

  json push(const json& task) override {
    const std::string number = task.at("number").get<std::string>();
    const std::string key = text_member(task, "idempotency_key");
    const std::string push_key = "push/" + key;
    json record = json::object();
    if (!key.empty()) {
      if (auto stored = host().kv_get(push_key)) record = json::parse(*stored);
      if (record.value("state", "") == "sent") {
        return {{"external_ref", record.at("token")}, {"status", "open"}};
      }
    }
    const std::string to = recipient(task);
    if (record.empty()) {
      // Chosen once and kept before sending: a push repeated after a crash mid-send sends
      // the same Message-ID again, which the department's mail system can recognise.
      const std::string token = new_token();
      record = {{"token", token},
                {"message_id", task_message_id(number, token, mail::domain_of(address_))},
                {"state", "sending"}};
      host().kv_put(
          "task/" + token,
          json{{"task_id", task.value("id", json())}, {"number", number}, {"to", to}}.dump());
      if (!key.empty()) host().kv_put(push_key, record.dump());
    }
    const std::string token = record.at("token").get<std::string>();

    mail::OutboundEmail mail;
    mail.from_address = address_;
    mail.from_name = display_name_;
    mail.to_address = to;
    mail.to_name = text_member(task.value("department", json::object()), "name");
    mail.subject = task_subject(number, token, text_member(task, "title"));
    mail.message_id = record.at("message_id").get<std::string>();
    mail.auto_submitted = "auto-generated";
    mail.headers = {{"X-Cxloop-Task", number}};
    mail.body = task_body(task, token);
    try {
      mail::send_mail(smtp_, tls_, mail);
    } catch (const mail::SmtpFailure& failure) {
      host().counter_add("email_connector_pushes_total", 1,
                         {{"outcome", failure.permanent() ? "refused" : "retry"}});
      throw sdk::Error(
          failure.permanent() ? CXLOOP_ERR_INVALID : CXLOOP_ERR_UNAVAILABLE,
          std::string("task ") + number + " not sent to " + to + ": " + failure.what());
    }
    record["state"] = "sent";
    if (!key.empty()) host().kv_put(push_key, record.dump());
    return {{"external_ref", token}, {"status", "open"}};
  }

  // The outbox's update work carries its idempotency key next to task and change; the base
  // class would drop it.
  json invoke(const std::string& operation, const json& request) override {
    if (operation == "update") {
      return update_once(sdk::Plugin::require(request, "task"),
                         sdk::Plugin::require(request, "change"),
                         text_member(request, "idempotency_key"));
    }
    return ConnectorPlugin::invoke(operation, request);
  }

  json update(const json& task, const json& change) override {
    return update_once(task, change, {});
  }

  json poll(const std::vector<std::string>& refs) override {
    std::lock_guard<std::mutex> one_poll(poll_mutex_);
    const std::set<std::string> wanted(refs.begin(), refs.end());
    std::map<std::string, json> found;  // token -> status object
    try {
      auto session = mail::open_pop3_session(pop3_, tls_);
      Poco::Net::POP3ClientSession::MessageInfoVec messages;
      session->listMessages(messages);
      for (const auto& info : messages) take_message(*session, info.id, info.size, wanted, found);
      session->close();  // QUIT: the deletions take effect now
    } catch (const sdk::HostError&) {
      throw;
    } catch (const Poco::Exception& e) {
      throw sdk::Error(CXLOOP_ERR_UNAVAILABLE, "cannot read replies from the POP3 mailbox " +
                                                   pop3_.mailbox() + ": " + e.displayText() +
                                                   " (check settings.pop3)");
    } catch (const mail::Pop3Failure& e) {
      throw sdk::Error(CXLOOP_ERR_UNAVAILABLE, "POP3 mailbox " + pop3_.mailbox() + ": " + e.what());
    }
    json statuses = json::array();
    for (const auto& ref : refs) {
      auto it = found.find(ref);
      statuses.push_back(it != found.end() ? it->second : json{{"external_ref", ref}});
    }
    return statuses;
  }

  sdk::Response handle_http(const sdk::HttpRequest& request) override {
    if (request.method == "GET" && request.params.count("id") != 0) {
      return sdk::Response::json(200, quarantine_.get(request.params.at("id")));
    }
    return sdk::Response::json(200, {{"items", quarantine_.list()}});
  }

 private:
  // A follow-up mail in the task's thread: a status set, a comment written or a due date
  // moved in cxloop, so the department hears of it where it works.
  json update_once(const json& task, const json& change, const std::string& key) {
    const std::string token = text_member(task, "external_ref");
    const std::string number = task.at("number").get<std::string>();
    if (token.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID, "task " + number +
                                               " has no external_ref; it was never pushed by this "
                                               "connector");
    }
    const std::string sent_key = "update/" + key;
    if (!key.empty() && host().kv_get(sent_key)) return json::object();
    const std::string update_text = change_text(change);
    if (update_text.empty()) return json::object();  // nothing the department needs to read

    const std::string domain = mail::domain_of(address_);
    const std::string original = task_message_id(number, token, domain);
    mail::OutboundEmail mail = task_mail(task, recipient(task), number);
    mail.subject = "Re: " + task_subject(number, token, text_member(task, "title"));
    mail.message_id = update_message_id(number, token, key.empty() ? new_token() : key, domain);
    mail.in_reply_to = original;
    mail.references = {original};
    mail.body = update_text + "\n" + reply_instructions(number, token);
    send(mail, number, "email_connector_updates_total");
    if (!key.empty()) host().kv_put(sent_key, mail.message_id);
    return json::object();
  }

  // The envelope every mail about a task shares.
  mail::OutboundEmail task_mail(const json& task, const std::string& to,
                                const std::string& number) const {
    mail::OutboundEmail mail;
    mail.from_address = address_;
    mail.from_name = display_name_;
    mail.to_address = to;
    mail.to_name = text_member(task.value("department", json::object()), "name");
    mail.auto_submitted = "auto-generated";
    mail.headers = {{"X-Cxloop-Task", number}};
    return mail;
  }

  void send(const mail::OutboundEmail& mail, const std::string& number, const std::string& metric) {
    try {
      mail::send_mail(smtp_, tls_, mail);
    } catch (const mail::SmtpFailure& failure) {
      host().counter_add(metric, 1, {{"outcome", failure.permanent() ? "refused" : "retry"}});
      throw sdk::Error(
          failure.permanent() ? CXLOOP_ERR_INVALID : CXLOOP_ERR_UNAVAILABLE,
          "task " + number + " not mailed to " + mail.to_address + ": " + failure.what());
    }
    host().counter_add(metric, 1, {{"outcome", "sent"}});
  }

  // The department's mailbox: its connector_settings.mailbox, else this instance's "to".
  std::string recipient(const json& task) const {
    const json department = task.value("department", json::object());
    std::string to = text_member(department.value("settings", json::object()), "mailbox");
    if (to.empty()) to = default_to_;
    if (to.find('@') == std::string::npos) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "department '" + text_member(department, "name") +
                           "' has no mail address: set \"mailbox\" in its connector_settings or "
                           "\"to\" in this connector instance's settings");
    }
    return to;
  }

  void take_message(Poco::Net::POP3ClientSession& session, int id, int size,
                    const std::set<std::string>& wanted, std::map<std::string, json>& found) {
    if (static_cast<std::size_t>(size) > max_message_bytes_) {
      Poco::Net::MessageHeader header;
      session.retrieveHeader(id, header);
      const json headers = {{"from", mail::to_utf8(header.get("From", ""), "")},
                            {"subject", mail::to_utf8(header.get("Subject", ""), "")},
                            {"message_id", mail::to_utf8(header.get("Message-ID", ""), "")}};
      const std::string reason = "the reply has " + std::to_string(size) +
                                 " bytes, more than max_message_bytes; it stays in the mailbox";
      if (quarantine_.note_kept_in_mailbox(headers.dump(), reason, headers,
                                           static_cast<std::size_t>(size))) {
        host().warning("reply " + headers["message_id"].get<std::string>() + ": " + reason);
      }
      return;
    }
    std::ostringstream raw_stream;
    session.retrieveMessage(id, raw_stream);
    const std::string raw = raw_stream.str();

    mail::InboundEmail reply;
    try {
      reply = mail::parse_inbound_email(raw, max_message_bytes_);
    } catch (const mail::MailRejection& rejection) {
      set_aside(session, id, raw, std::string("unreadable reply: ") + rejection.what());
      return;
    }
    const std::optional<std::string> token = token_of(reply);
    if (!token) {
      set_aside(session, id, raw,
                "no task token: neither the subject nor In-Reply-To/References name a task "
                "mail of this connector (from " +
                    reply.from_address + ", subject \"" + reply.subject + "\")");
      return;
    }
    if (!host().kv_get("task/" + *token)) {
      set_aside(session, id, raw,
                "unknown task token " + *token +
                    ": no task was sent with it by this "
                    "connector instance (from " +
                    reply.from_address + ")");
      return;
    }
    const std::string unclaimed_key = "unclaimed/" + reply.message_id;
    if (wanted.count(*token) == 0) {
      // The kernel polls its open tasks in batches, so a reply for a task not asked about
      // now stays in the mailbox for the poll that does; one nobody asks for within
      // unclaimed_days (its task is done, rejected or gone) is set aside instead of being
      // read again on every poll for ever.
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      const auto first_seen = host().kv_get(unclaimed_key);
      if (!first_seen) {
        host().kv_put(unclaimed_key, std::to_string(now));
      } else if (now - std::stoll(*first_seen) >= unclaimed_days_ * 86400LL) {
        set_aside(session, id, raw,
                  "reply for task token " + *token + " was not asked for by cxloop within " +
                      std::to_string(unclaimed_days_) +
                      " days (settings.unclaimed_days); its task is no longer followed");
        host().kv_remove(unclaimed_key);
      }
      return;
    }
    host().kv_remove(unclaimed_key);

    const ReplyCommand command = read_reply(reply.text, commands_);
    json& status = found[*token];
    if (status.is_null()) status = {{"external_ref", *token}, {"comments", json::array()}};
    // Replies are read in mailbox order, so the last command wins.
    if (command.status) status["status"] = *command.status;
    if (!command.comment.empty()) {
      json comment = {
          {"id", reply.message_id},
          {"author", reply.from_name.empty() ? reply.from_address
                                             : reply.from_name + " <" + reply.from_address + ">"},
          {"body", command.comment}};
      if (const std::string at = rfc3339(reply.date); !at.empty()) comment["at"] = at;
      status["comments"].push_back(comment);
    }
    host().counter_add("email_connector_replies_total", 1,
                       {{"outcome", command.status ? "status" : "comment"}});
    session.deleteMessage(id);
  }

  // Keeps a reply nobody can act on in the quarantine (reason and raw mail, listed by the
  // admin route) before it leaves the mailbox, and says so in the log.
  void set_aside(Poco::Net::POP3ClientSession& session, int id, const std::string& raw,
                 const std::string& reason) {
    const std::string entry = quarantine_.keep(raw, reason, "pop3");
    host().warning("reply quarantined as " + entry + ": " + reason);
    host().counter_add("email_connector_replies_total", 1, {{"outcome", "quarantined"}});
    session.deleteMessage(id);
  }

  json settings_;
  sdk::StatusMap commands_;
  mail::Quarantine quarantine_;
  std::string address_, display_name_, default_to_;
  std::size_t max_message_bytes_ = 10 * 1024 * 1024;
  int unclaimed_days_ = 14;
  mail::SmtpSettings smtp_;
  mail::Pop3Settings pop3_;
  mail::TlsSettings tls_;
  std::mutex poll_mutex_;
};

}  // namespace cxloop::plugins::email_connector

CXLOOP_PLUGIN(cxloop::plugins::email_connector::EmailConnector, "email_connector", "connector",
              "1.0.0")

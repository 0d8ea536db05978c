#include "email_channel.hpp"

#include <Poco/String.h>

#include "mail/charset_converter.hpp"
#include "mail/inbound_email.hpp"
#include "mail/mail_rejection.hpp"

namespace cxloop::plugins::email {
namespace {

EmailSettings settings_of(const sdk::Host& host) {
  try {
    return EmailSettings::from_json(host.config());
  } catch (const std::invalid_argument& e) {
    throw sdk::Error(CXLOOP_ERR_INVALID, e.what());
  }
}

sdk::Response problem(int status, const std::string& type, const std::string& detail,
                      const std::string& path) {
  static const std::map<int, std::string> titles = {
      {400, "Bad Request"},       {401, "Unauthorized"},           {404, "Not Found"},
      {413, "Payload Too Large"}, {415, "Unsupported Media Type"}, {422, "Unprocessable Entity"}};
  const auto title = titles.find(status);
  sdk::Response response;
  response.status = status;
  response.headers["content-type"] = "application/problem+json";
  response.body = sdk::json{
      {"type", "https://cxloop.dev/problems/" + type},
      {"title", title == titles.end() ? "Error" : title->second},
      {"status", status},
      {"detail", mail::to_utf8(detail, "")},
      {"instance",
       path}}.dump();
  return response;
}

// Compares in time independent of where the texts differ, so the token cannot be guessed
// byte by byte from response times.
bool same_secret(const std::string& given, const std::string& expected) {
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    difference |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  }
  return difference == 0;
}

}  // namespace

EmailChannel::EmailChannel(sdk::Host host)
    : ChannelPlugin(host),
      settings_(settings_of(host)),
      intake_(host, settings_.channel),
      replies_(host, settings_),
      quarantine_(host) {
  mail::register_mail_encodings();
  if (settings_.mailgate_enabled) host.register_route("POST", "/inbound", true);
  host.register_route("GET", "/quarantine", false);
  host.register_route("GET", "/quarantine/{id}", false);
  if (settings_.pop3.enabled) {
    host.register_route("POST", "/pop3/poll", false);
    poller_ = std::make_unique<Pop3Poller>(host, settings_, intake_);
    poller_->start();
    host.info("polling POP3 mailbox " + settings_.pop3.username + " at " + settings_.pop3.host +
              ":" + std::to_string(settings_.pop3.port) + " every " +
              std::to_string(settings_.pop3.interval_s) + " s");
  }
}

EmailChannel::~EmailChannel() {
  if (poller_) poller_->stop();
}

sdk::Response EmailChannel::handle_http(const sdk::HttpRequest& request) {
  const std::string& path = request.path;
  if (request.method == "POST" && path.size() >= 8 &&
      path.compare(path.size() - 8, 8, "/inbound") == 0) {
    return mailgate(request);
  }
  if (request.method == "POST" && poller_ && path.size() >= 10 &&
      path.compare(path.size() - 10, 10, "/pop3/poll") == 0) {
    return sdk::Response::json(200, poller_->poll_once().to_json());
  }
  if (request.method == "GET" && request.params.count("id") != 0) {
    return sdk::Response::json(200, quarantine_.get(request.params.at("id")));
  }
  if (request.method == "GET") {
    return sdk::Response::json(200, {{"items", quarantine_.list()}});
  }
  return problem(404, "not-found", "no such email channel route: " + request.method + " " + path,
                 path);
}

sdk::Response EmailChannel::mailgate(const sdk::HttpRequest& request) {
  const std::string token = request.header("x-mailgate-token").value_or("");
  if (token.empty() || !same_secret(token, settings_.mailgate_token)) {
    return problem(401, "unauthorized",
                   "send the mailgate's shared token (settings.mailgate.token) in the "
                   "X-Mailgate-Token header",
                   request.path);
  }
  std::string type = Poco::toLower(request.header("content-type").value_or(""));
  type = Poco::trim(type.substr(0, type.find(';')));
  if (type != "message/rfc822") {
    return problem(415, "unsupported-media-type",
                   "the mailgate takes a raw RFC 5322 message with Content-Type "
                   "message/rfc822, not '" +
                       type + "'",
                   request.path);
  }
  mail::InboundEmail mail;
  try {
    mail = mail::parse_inbound_email(request.body, settings_.max_message_bytes);
  } catch (const mail::MailRejection& rejection) {
    host().counter_add("email_inbound_total", 1, {{"source", "mailgate"}, {"outcome", "refused"}});
    const int status = rejection.http_status();
    return problem(status,
                   status == 413   ? "payload-too-large"
                   : status == 422 ? "unprocessable-message"
                                   : "malformed-message",
                   rejection.what(), request.path);
  }
  const IntakeOutcome outcome = intake_.store(mail, "mailgate");
  host().counter_add(
      "email_inbound_total", 1,
      {{"source", "mailgate"}, {"outcome", outcome.duplicate ? "duplicate" : "stored"}});
  return sdk::Response::json(outcome.new_case && !outcome.duplicate ? 201 : 200,
                             {{"case_id", outcome.case_id},
                              {"case_number", outcome.case_number},
                              {"message_id", outcome.message_id},
                              {"email_message_id", mail.message_id},
                              {"new_case", outcome.new_case},
                              {"duplicate", outcome.duplicate}});
}

sdk::json EmailChannel::deliver(const sdk::json& work) { return replies_.deliver(work); }

sdk::json EmailChannel::poll(const sdk::json&) {
  if (!poller_) {
    throw sdk::Error(CXLOOP_ERR_INVALID,
                     "POP3 polling is off for this instance; set settings.pop3.enabled to true");
  }
  return poller_->poll_once().to_json();
}

}  // namespace cxloop::plugins::email

CXLOOP_PLUGIN(cxloop::plugins::email::EmailChannel, "email", "channel", "1.0.0")

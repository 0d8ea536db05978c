// The email channel's POP3 polling against the Dovecot server of the "mail" CTest fixture:
// mail is placed in a mailbox over SMTP exactly as the outside world would send it.
#include <catch2/catch.hpp>

#include "email_test_server.hpp"
#include "test_mail.hpp"

namespace {

using cxloop::testing::EmailTestServer;
using cxloop::testing::wait_until;
using nlohmann::json;

json pop3_settings(const std::string& mailbox, const std::string& tls, int interval_s) {
  const auto& mail = cxloop::testing::mail_servers();
  return {{"address", "support@example.test"},
          {"mailgate", {{"enabled", false}}},
          {"smtp", {{"host", mail.host}, {"port", mail.smtp_port}}},
          {"pop3",
           {{"enabled", true},
            {"host", mail.host},
            {"port", tls == "implicit" ? mail.pop3s_port : mail.pop3_port},
            {"tls", tls},
            {"username", mailbox},
            {"password", mail.mail_password},
            {"interval_s", interval_s},
            {"timeout_s", 10}}},
          {"tls", {{"ca_file", mail.ca_file.string()}}}};
}

std::string mail_from(const std::string& from, const std::string& message_id,
                      const std::string& subject) {
  return "From: Grace Hopper <" + from + ">\r\nTo: support@example.test\r\nSubject: " + subject +
         "\r\nMessage-ID: " + message_id +
         "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         "The display flickers.\r\n.leading dot survives\r\n";
}

// The poller's thread polls once as soon as the instance starts. Mail placed before that poll
// has finished may be taken by it instead of by the test's own poll, so tests that poll by
// hand wait for it (its outcome is counted in the plugin's poll metric).
void wait_for_startup_poll(EmailTestServer& t) {
  wait_until(
      [&t] {
        return t.http("GET", "/metrics", "", {})
                   .body.find("cxloop_plugin_email_pop3_polls_total") != std::string::npos;
      },
      "the POP3 poller's start-up poll");
}

json poll_now(EmailTestServer& t) {
  const auto reply = t.api("POST", "/plugins/email/pop3/poll", nullptr, true);
  if (reply.status != 200) {
    throw std::runtime_error("poll failed: " + std::to_string(reply.status) + " " + reply.body);
  }
  return reply.json();
}

}  // namespace

TEST_CASE("POP3 polling stores a mail from the mailbox and deletes it only after storing it",
          "[email][pop3]") {
  const std::string tls = GENERATE(as<std::string>{}, "none", "starttls", "implicit");
  CAPTURE(tls);
  const std::string inbox = cxloop::testing::unique_mailbox("pop3-" + tls);
  const std::string from = cxloop::testing::unique_mailbox("pop3-sender");
  // A long interval: after its first (empty) poll at start-up the thread stays asleep and the
  // test polls through the admin route, so each step is observable.
  EmailTestServer t(pop3_settings(inbox, tls, 3600));
  wait_for_startup_poll(t);
  const std::string raw = mail_from(from, "<pop3-" + tls + "@customer.example>", "Flicker");
  cxloop::testing::send_raw_message(inbox, raw);
  cxloop::testing::wait_for_messages(inbox, 1);

  const json first = poll_now(t);
  CHECK(first.at("error").is_null());
  CHECK(first.at("listed") == 1);
  CHECK(first.at("stored") == 1);
  const json cases = t.cases_of(from);
  REQUIRE(cases.size() == 1);
  const json message = t.messages(cases.at(0).at("id").get<std::int64_t>()).at(0);
  CHECK(message.at("body") == "The display flickers.\n.leading dot survives");
  CHECK(message.at("attributes").at("email").at("source") == "pop3");
  CHECK(cxloop::testing::delivered_messages(inbox).empty());

  // The same mail delivered again (same Message-ID) is recognised and removed, not re-stored.
  cxloop::testing::send_raw_message(inbox, raw);
  cxloop::testing::wait_for_messages(inbox, 1);
  const json second = poll_now(t);
  CHECK(second.at("duplicates") == 1);
  CHECK(second.at("stored") == 0);
  CHECK(t.cases_of(from).size() == 1);
  CHECK(cxloop::testing::delivered_messages(inbox).empty());
}

TEST_CASE("The POP3 poller's thread picks up new mail at its interval", "[email][pop3]") {
  const std::string inbox = cxloop::testing::unique_mailbox("pop3-thread");
  const std::string from = cxloop::testing::unique_mailbox("pop3-thread-sender");
  EmailTestServer t(pop3_settings(inbox, "none", 1));
  cxloop::testing::send_raw_message(inbox, mail_from(from, "<thread@customer.example>", "Hi"));
  wait_until([&] { return t.cases_of(from).size() == 1; }, "the poller to store the mail");
  wait_until([&] { return cxloop::testing::delivered_messages(inbox).empty(); },
             "the poller to delete the stored mail");
}

TEST_CASE("A polled mail that cannot be read is quarantined before it leaves the mailbox",
          "[email][pop3]") {
  const std::string inbox = cxloop::testing::unique_mailbox("pop3-quarantine");
  EmailTestServer t(pop3_settings(inbox, "none", 3600));
  wait_for_startup_poll(t);
  cxloop::testing::send_raw_message(
      inbox,
      "From: someone@customer.example\r\nSubject: odd\r\nMessage-ID: <odd@x>\r\n"
      "Content-Type: text/plain; charset=x-klingon\r\n\r\nnuqneH\r\n");
  cxloop::testing::wait_for_messages(inbox, 1);

  const json summary = poll_now(t);
  CHECK(summary.at("quarantined") == 1);
  CHECK(summary.at("stored") == 0);
  CHECK(cxloop::testing::delivered_messages(inbox).empty());

  const auto listed = t.api("GET", "/plugins/email/quarantine", nullptr, true);
  REQUIRE(listed.status == 200);
  const json items = listed.json().at("items");
  REQUIRE(items.size() == 1);
  CHECK(items.at(0).at("reason").get<std::string>().find("x-klingon") != std::string::npos);
  CHECK_FALSE(items.at(0).contains("raw_base64"));
  const auto kept = t.api(
      "GET", "/plugins/email/quarantine/" + items.at(0).at("id").get<std::string>(), nullptr, true);
  REQUIRE(kept.status == 200);
  CHECK(kept.json().at("raw").get<std::string>().find("nuqneH") != std::string::npos);

  // The quarantine holds customers' mail: the kernel guards /plugins/ routes with a token.
  CHECK(t.http("GET", "/plugins/email/quarantine", "", {}).status == 401);
  CHECK(
      t.http("GET", "/plugins/email/quarantine", "", {{"Authorization", "Bearer cxl_not_a_token"}})
          .status == 401);
}

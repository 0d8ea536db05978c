// The email notifier against the real SMTP server of the "mail" CTest fixture: what it sends
// is read back from the recipient's Maildir exactly as the server received it. The built
// plugin runs in the SDK's test harness (sdk/testing), which invokes "send" as the outbox does.
#include <catch2/catch.hpp>

#include <atomic>
#include <regex>
#include <thread>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Process.h>

#include <cxloop/sdk/testing/plugin_harness.hpp>

#include "test_mail.hpp"

namespace {

using cxloop::sdk::testing::PluginHarness;
using nlohmann::json;

std::uint16_t closed_port() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::uint16_t port = socket.address().port();
  socket.close();
  return port;
}

json notifier_settings(json extra = json::object()) {
  const auto& mail = cxloop::testing::mail_servers();
  json settings = {{"address", "service@example.test"},
                   {"display_name", "Kettle Service"},
                   {"smtp", {{"host", mail.host}, {"port", mail.smtp_port}, {"timeout_s", 10}}}};
  settings.merge_patch(extra);
  return settings;
}

json notification(const std::string& email, const std::string& id) {
  json recipient = {{"customer_id", 7}, {"name", "Jörg Müller"}, {"language", "de"}};
  if (!email.empty()) recipient["email"] = email;
  return {{"notification_id", id},
          {"kind", "resolution"},
          {"idempotency_key", "notification:" + id},
          {"channel", "mail"},
          {"recipient", recipient},
          {"subject", "Your kettle lid: fixed"},
          {"text", "Dear Jörg,\nthe cracked lids are replaced from batch B-18 on."},
          {"html", "<p>Dear J&ouml;rg,</p><p>the cracked lids are replaced.</p>"},
          {"problem", {{"id", 45}, {"number", "PRB-000045"}, {"title", "Kettle lids crack"}}},
          {"links",
           {{"acknowledge", "https://cx.example/ack/abc"},
            {"unsubscribe", "https://cx.example/unsubscribe/abc"}}}};
}

class Notifier {
 public:
  explicit Notifier(const json& settings) : harness_(CXLOOP_EMAIL_NOTIFIER_DIR) {
    harness_.create(settings, "mail");
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
  // SMTP connections the plugin opened, by its metric.
  int connections_opened() const {
    double total = 0;
    for (const auto& sample : harness_.metrics()) {
      if (sample.name == "email_notifier_smtp_connections_total") total += sample.value;
    }
    return static_cast<int>(total);
  }

 private:
  PluginHarness harness_;
};

// A second, throw-away SMTP server (aiosmtpd's own command line, discarding what it receives)
// that a test can kill and start again on the same port, to see the notifier's pooled
// connection die under it. Debian's interpreter, where python3-aiosmtpd lives.
class DisposableSmtpServer {
 public:
  DisposableSmtpServer() : port_(closed_port()) { start(); }
  ~DisposableSmtpServer() { stop(); }

  std::uint16_t port() const { return port_; }
  void start() {
    process_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
        "/usr/bin/python3", {"-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l",
                             "127.0.0.1:" + std::to_string(port_)}));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (;;) {
      try {
        Poco::Net::StreamSocket probe;
        probe.connect(Poco::Net::SocketAddress("127.0.0.1", port_));
        return;
      } catch (const Poco::Exception&) {
        if (std::chrono::steady_clock::now() > deadline) {
          throw std::runtime_error("aiosmtpd did not listen on port " + std::to_string(port_) +
                                   " within 15 s (is python3-aiosmtpd installed?)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
  void stop() {
    if (!process_) return;
    Poco::Process::kill(*process_);
    process_->wait();
    process_.reset();
  }

 private:
  std::uint16_t port_;
  std::unique_ptr<Poco::ProcessHandle> process_;
};

}  // namespace

TEST_CASE("A notification is sent as text and HTML alternatives with its own headers",
          "[notifier][email]") {
  Notifier notifier(notifier_settings({{"reply_to", "support@example.test"}}));
  const std::string to = cxloop::testing::unique_mailbox("notify");
  const json result = notifier.send(notification(to, "901"));
  CHECK(result.at("state") == "sent");
  const std::string message_id = result.at("external_ref");
  CHECK(std::regex_match(message_id,
                         std::regex(R"(<cxloop-notification\.901\.[0-9a-f]{16}@example\.test>)")));

  const auto mails = cxloop::testing::wait_for_messages(to, 1);
  REQUIRE(mails.size() == 1);
  const std::string& raw = mails[0];
  CHECK(raw.find("Message-ID: " + message_id + "\r\n") != std::string::npos);
  CHECK(raw.find("List-Unsubscribe: <https://cx.example/unsubscribe/abc>\r\n") !=
        std::string::npos);
  CHECK(raw.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") != std::string::npos);
  CHECK(raw.find("Reply-To: support@example.test\r\n") != std::string::npos);
  CHECK(raw.find("Auto-Submitted: auto-generated\r\n") != std::string::npos);
  CHECK(raw.find("Return-Path: <service@example.test>") != std::string::npos);

  CHECK(raw.find("Subject: Your kettle lid: fixed\r\n") != std::string::npos);
  CHECK(raw.find("Content-Type: multipart/alternative; boundary=") != std::string::npos);
  const auto plain = raw.find("Content-Type: text/plain; charset=UTF-8");
  const auto html = raw.find("Content-Type: text/html; charset=UTF-8");
  REQUIRE(plain != std::string::npos);
  REQUIRE(html != std::string::npos);
  CHECK(plain < html);  // the plain text first: the fallback for clients without HTML
  CHECK(raw.find("replaced from batch B-18 on.") != std::string::npos);
  CHECK(raw.find("the cracked lids are replaced.</p>") != std::string::npos);
  CHECK(raw.find("J=C3=B6rg") != std::string::npos);  // UTF-8, quoted-printable
}

TEST_CASE("A notification without HTML is a single text/plain mail", "[notifier][email]") {
  Notifier notifier(notifier_settings());
  const std::string to = cxloop::testing::unique_mailbox("notify-text");
  json request = notification(to, "902");
  request.erase("html");
  request.erase("links");
  notifier.send(request);
  const std::string raw = cxloop::testing::wait_for_messages(to, 1)[0];
  CHECK(raw.find("Content-Type: text/plain; charset=UTF-8\r\n") != std::string::npos);
  CHECK(raw.find("multipart") == std::string::npos);
  CHECK(raw.find("List-Unsubscribe") == std::string::npos);
}

TEST_CASE("Sending the same notification again sends one mail", "[notifier][email]") {
  Notifier notifier(notifier_settings());
  const std::string to = cxloop::testing::unique_mailbox("notify-twice");
  const json first = notifier.send(notification(to, "903"));
  const json second = notifier.send(notification(to, "903"));
  CHECK(second == first);
  // The SMTP server stores a message before it accepts it: both sends have been answered.
  CHECK(cxloop::testing::delivered_messages(to).size() == 1);
}

TEST_CASE("Several notifications travel over one reused SMTP connection", "[notifier][email]") {
  Notifier notifier(notifier_settings({{"connections", 1}}));
  std::vector<std::string> recipients;
  for (int i = 0; i < 5; ++i) {
    recipients.push_back(cxloop::testing::unique_mailbox("notify-reuse"));
    notifier.send(notification(recipients.back(), "91" + std::to_string(i)));
  }
  for (const auto& to : recipients) CHECK(cxloop::testing::delivered_messages(to).size() == 1);
  CHECK(notifier.connections_opened() == 1);
}

TEST_CASE("Concurrent senders share at most the configured number of connections",
          "[notifier][email]") {
  Notifier notifier(notifier_settings({{"connections", 2}}));
  std::vector<std::string> recipients;
  for (int i = 0; i < 12; ++i) recipients.push_back(cxloop::testing::unique_mailbox("notify-par"));
  std::vector<std::thread> senders;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t; i < 12; i += 4) {
        try {
          notifier.send(
              notification(recipients[static_cast<std::size_t>(i)], "92" + std::to_string(i)));
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  for (auto& sender : senders) sender.join();
  CHECK(failures == 0);
  for (const auto& to : recipients) CHECK(cxloop::testing::delivered_messages(to).size() == 1);
  CHECK(notifier.connections_opened() >= 1);
  CHECK(notifier.connections_opened() <= 2);
}

TEST_CASE("Notifications go out over STARTTLS with SMTP AUTH when configured",
          "[notifier][email]") {
  const auto& mail = cxloop::testing::mail_servers();
  Notifier notifier(notifier_settings({{"smtp",
                                        {{"port", mail.smtp_tls_port},
                                         {"starttls", true},
                                         {"username", mail.smtp_user},
                                         {"password", mail.smtp_password},
                                         {"auth", "plain"}}},
                                       {"tls", {{"ca_file", mail.ca_file.string()}}}}));
  const std::string to = cxloop::testing::unique_mailbox("notify-tls");
  notifier.send(notification(to, "930"));
  notifier.send(notification(cxloop::testing::unique_mailbox("notify-tls"), "931"));
  CHECK(cxloop::testing::wait_for_messages(to, 1).size() == 1);
  CHECK(notifier.connections_opened() == 1);
}

TEST_CASE("A notification while the SMTP server is down fails as unavailable",
          "[notifier][email]") {
  Notifier notifier(notifier_settings({{"smtp", {{"port", closed_port()}}}}));
  std::string message;
  CHECK(notifier.failure(notification(cxloop::testing::unique_mailbox("notify-down"), "940"),
                         message) == CXLOOP_ERR_UNAVAILABLE);
  CHECK(message.find("cannot reach the SMTP server") != std::string::npos);
}

TEST_CASE("A wrong SMTP password fails as unavailable and names the settings to check",
          "[notifier][email]") {
  const auto& mail = cxloop::testing::mail_servers();
  Notifier notifier(notifier_settings({{"smtp",
                                        {{"port", mail.smtp_tls_port},
                                         {"starttls", true},
                                         {"username", mail.smtp_user},
                                         {"password", "wrong"}}},
                                       {"tls", {{"ca_file", mail.ca_file.string()}}}}));
  std::string message;
  CHECK(notifier.failure(notification(cxloop::testing::unique_mailbox("notify-auth"), "941"),
                         message) == CXLOOP_ERR_UNAVAILABLE);
  CHECK(message.find("smtp.password") != std::string::npos);
}

TEST_CASE("A recipient without an email address is refused as invalid", "[notifier][email]") {
  Notifier notifier(notifier_settings());
  std::string message;
  CHECK(notifier.failure(notification("", "950"), message) == CXLOOP_ERR_INVALID);
  CHECK(message.find("has no email address") != std::string::npos);
  CHECK(notifier.connections_opened() == 0);
}

TEST_CASE("A recipient address the SMTP server refuses is invalid, and the connection stays",
          "[notifier][email]") {
  Notifier notifier(notifier_settings({{"connections", 1}}));
  std::string message;
  // The fixture's server refuses recipients that are not plain local@domain addresses (553).
  CHECK(notifier.failure(notification("Not A Mailbox@example.test", "960"), message) ==
        CXLOOP_ERR_INVALID);
  CHECK(message.find("refused the message") != std::string::npos);
  const std::string to = cxloop::testing::unique_mailbox("notify-after");
  notifier.send(notification(to, "961"));
  CHECK(cxloop::testing::delivered_messages(to).size() == 1);
  CHECK(notifier.connections_opened() == 1);
}

TEST_CASE(
    "A pooled connection the server dropped is replaced, and a server that is gone is "
    "unavailable until it returns",
    "[notifier][email]") {
  DisposableSmtpServer smtp;
  Notifier notifier(notifier_settings({{"connections", 1}, {"smtp", {{"port", smtp.port()}}}}));
  notifier.send(notification("first@example.test", "970"));
  CHECK(notifier.connections_opened() == 1);

  // The server goes away while the connection is idle in the pool.
  smtp.stop();
  std::string message;
  CHECK(notifier.failure(notification("second@example.test", "971"), message) ==
        CXLOOP_ERR_UNAVAILABLE);
  CHECK(message.find("cannot reach the SMTP server") != std::string::npos);

  smtp.start();
  notifier.send(notification("second@example.test", "971"));  // the outbox's retry
  CHECK(notifier.connections_opened() == 2);

  // Dropped again, and back before the next mail: the stale connection is noticed before
  // the message goes, and the mail is sent over a new one at the first attempt.
  smtp.stop();
  smtp.start();
  notifier.send(notification("third@example.test", "972"));
  CHECK(notifier.connections_opened() == 3);
}

// The mail fixture works as the channel, connector and notifier tests will rely on: SMTP
// delivers into Maildirs, the submission port enforces STARTTLS and AUTH, and Dovecot serves
// the same mailboxes over POP3, POP3S and IMAP.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/POP3ClientSession.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include "test_mail.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace mail = cxloop::testing;

namespace {

void address_message(Poco::Net::MailMessage& message, const std::string& to,
                     const std::string& subject) {
  message.setSender("customer@example.org");
  message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, to));
  message.setSubject(subject);
  message.setContent("Hello from the mail fixture test.\r\n");
}

// One IMAP command: sends "<tag> <command>" and returns the tagged completion line.
std::string imap_command(Poco::Net::SocketStream& stream, const std::string& tag,
                         const std::string& command) {
  stream << tag << ' ' << command << "\r\n" << std::flush;
  std::string line;
  while (std::getline(stream, line)) {
    if (line.rfind(tag + ' ', 0) == 0) return line;
  }
  return "(connection closed before the " + tag + " reply)";
}

}  // namespace

TEST_CASE("A message sent to the plain SMTP port lands in each recipient's Maildir") {
  const auto& servers = mail::mail_servers();
  const auto to = mail::unique_mailbox("smtp-plain");
  const auto bcc = mail::unique_mailbox("smtp-plain-bcc");

  Poco::Net::SMTPClientSession session(servers.host, servers.smtp_port);
  session.login();
  Poco::Net::MailMessage message;
  address_message(message, to, "Plain delivery");
  message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::BCC_RECIPIENT, bcc));
  session.sendMessage(message);
  session.close();

  const auto delivered = mail::wait_for_messages(to, 1);
  REQUIRE(delivered.size() == 1);
  CHECK_THAT(delivered[0], StartsWith("Return-Path: <customer@example.org>\r\n"
                                      "Delivered-To: " +
                                      to + "\r\n"));
  CHECK_THAT(delivered[0], Contains("Subject: Plain delivery"));
  CHECK_THAT(delivered[0], Contains("Hello from the mail fixture test."));

  const auto blind_copy = mail::wait_for_messages(bcc, 1);
  CHECK_THAT(blind_copy[0], Contains("Delivered-To: " + bcc));
}

TEST_CASE("The submission port accepts mail after STARTTLS and a login with the test user") {
  const auto& servers = mail::mail_servers();
  const auto to = mail::unique_mailbox("smtp-tls");

  Poco::Net::SecureSMTPClientSession session(servers.host, servers.smtp_tls_port);
  session.login();
  REQUIRE(session.startTLS(mail::mail_tls_context()));
  session.login(Poco::Net::SMTPClientSession::AUTH_LOGIN, servers.smtp_user, servers.smtp_password);
  Poco::Net::MailMessage message;
  address_message(message, to, "Submitted over TLS");
  session.sendMessage(message);
  session.close();

  const auto delivered = mail::wait_for_messages(to, 1);
  CHECK_THAT(delivered[0], Contains("Subject: Submitted over TLS"));
}

TEST_CASE("The submission port refuses a wrong password") {
  const auto& servers = mail::mail_servers();
  for (const auto method :
       {Poco::Net::SMTPClientSession::AUTH_LOGIN, Poco::Net::SMTPClientSession::AUTH_PLAIN}) {
    Poco::Net::SecureSMTPClientSession session(servers.host, servers.smtp_tls_port);
    session.login();
    REQUIRE(session.startTLS(mail::mail_tls_context()));
    CHECK_THROWS_AS(session.login(method, servers.smtp_user, servers.smtp_password + "-wrong"),
                    Poco::Net::SMTPException);
  }
}

TEST_CASE("The submission port refuses mail from a client that skips STARTTLS and AUTH") {
  const auto& servers = mail::mail_servers();
  Poco::Net::SMTPClientSession session(servers.host, servers.smtp_tls_port);
  session.login();
  std::string response;
  const int status = session.sendCommand("MAIL FROM:<customer@example.org>", response);
  CHECK(status == 530);
  CHECK_THAT(response, Contains("STARTTLS"));
}

TEST_CASE("POP3 lists and retrieves a delivered message and deletes it on request") {
  const auto& servers = mail::mail_servers();
  const auto inbox = mail::unique_mailbox("pop3");
  mail::send_raw_message(inbox,
                         "From: Customer <customer@example.org>\r\n"
                         "To: " +
                             inbox +
                             "\r\n"
                             "Subject: Printer on fire\r\n"
                             "\r\n"
                             "It is still burning.\r\n"
                             ".A line that starts with a dot.\r\n");
  mail::wait_for_messages(inbox, 1);

  {
    Poco::Net::POP3ClientSession session(servers.host, servers.pop3_port);
    session.login(inbox, servers.mail_password);
    Poco::Net::POP3ClientSession::MessageInfoVec listed;
    session.listMessages(listed);
    REQUIRE(listed.size() == 1);

    std::ostringstream raw;
    session.retrieveMessage(listed[0].id, raw);
    CHECK_THAT(raw.str(), Contains("Subject: Printer on fire"));
    CHECK_THAT(raw.str(), Contains("\r\n.A line that starts with a dot.\r\n"));
    session.deleteMessage(listed[0].id);
    session.close();  // QUIT commits the deletion
  }

  Poco::Net::POP3ClientSession again(servers.host, servers.pop3_port);
  again.login(inbox, servers.mail_password);
  CHECK(again.messageCount() == 0);
  again.close();
  CHECK(mail::delivered_messages(inbox).empty());
}

TEST_CASE("POP3 refuses a wrong password and an address outside the test domain") {
  const auto& servers = mail::mail_servers();
  Poco::Net::POP3ClientSession wrong_password(servers.host, servers.pop3_port);
  CHECK_THROWS_AS(wrong_password.login(servers.mail_user, servers.mail_password + "-wrong"),
                  Poco::Net::POP3Exception);

  Poco::Net::POP3ClientSession foreign(servers.host, servers.pop3_port);
  CHECK_THROWS_AS(foreign.login("support@elsewhere.test", servers.mail_password),
                  Poco::Net::POP3Exception);
}

TEST_CASE("POP3S serves the same mailbox over TLS with the fixture's certificate") {
  const auto& servers = mail::mail_servers();
  const auto inbox = mail::unique_mailbox("pop3s");
  mail::send_raw_message(inbox, "Subject: Over TLS\r\n\r\nSecret body.\r\n");
  mail::wait_for_messages(inbox, 1);

  Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress(servers.host, servers.pop3s_port),
                                       mail::mail_tls_context());
  Poco::Net::POP3ClientSession session(socket);
  session.login(inbox, servers.mail_password);
  CHECK(session.messageCount() == 1);
  session.close();
}

TEST_CASE("IMAP logs in the test user, shows the delivered mail and refuses a wrong password") {
  const auto& servers = mail::mail_servers();
  const auto inbox = mail::unique_mailbox("imap");
  mail::send_raw_message(inbox, "Subject: For IMAP\r\n\r\nBody.\r\n");
  mail::send_raw_message(inbox, "Subject: For IMAP too\r\n\r\nBody.\r\n");
  mail::wait_for_messages(inbox, 2);

  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress(servers.host, servers.imap_port));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  Poco::Net::SocketStream stream(socket);
  std::string greeting;
  std::getline(stream, greeting);
  REQUIRE_THAT(greeting, StartsWith("* OK"));

  CHECK_THAT(imap_command(stream, "a1", "LOGIN \"" + inbox + "\" \"wrong\""), StartsWith("a1 NO"));
  CHECK_THAT(
      imap_command(stream, "a2", "LOGIN \"" + inbox + "\" \"" + servers.mail_password + "\""),
      StartsWith("a2 OK"));

  stream << "a3 SELECT INBOX\r\n" << std::flush;
  std::string line;
  bool saw_two = false;
  while (std::getline(stream, line) && line.rfind("a3 ", 0) != 0)
    saw_two = saw_two || line.rfind("* 2 EXISTS", 0) == 0;
  CHECK_THAT(line, StartsWith("a3 OK"));
  CHECK(saw_two);
  CHECK_THAT(imap_command(stream, "a4", "LOGOUT"), StartsWith("a4 OK"));
}

TEST_CASE("Waiting for mail that never comes fails with how many messages arrived") {
  const auto inbox = mail::unique_mailbox("never");
  CHECK_THROWS_WITH(mail::wait_for_messages(inbox, 1, std::chrono::milliseconds(100)),
                    Contains("expected 1 message(s) for " + inbox) && Contains("but 0 arrived"));
}

// The email channel against real servers: the kernel in-process with the built plugin, the
// SMTP server and Dovecot of the "mail" CTest fixture, and hand-written raw messages.
#include <catch2/catch.hpp>

#include <sstream>

#include <Poco/Net/MessageHeader.h>

#include "email_test_server.hpp"
#include "test_mail.hpp"

namespace {

using cxloop::testing::EmailTestServer;
using cxloop::testing::kMailgateToken;
using cxloop::testing::wait_until;
using nlohmann::json;

json settings(json extra = json::object()) {
  const auto& mail = cxloop::testing::mail_servers();
  json s = {{"address", "support@example.test"},
            {"display_name", "Example Support"},
            {"mailgate", {{"enabled", true}, {"token", kMailgateToken}}},
            {"smtp", {{"host", mail.host}, {"port", mail.smtp_port}, {"timeout_s", 10}}}};
  s.merge_patch(extra);
  return s;
}

// A customer address of its own, at the test domain so replies land in a Maildir.
std::string customer(const std::string& label) { return cxloop::testing::unique_mailbox(label); }

std::string plain_mail(const std::string& from, const std::string& subject,
                       const std::string& message_id, const std::string& body,
                       const std::string& extra_headers = "") {
  return "From: Ada Lovelace <" + from + ">\r\n" + "To: support@example.test\r\n" +
         "Subject: " + subject + "\r\n" + "Message-ID: " + message_id + "\r\n" +
         "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n" + extra_headers +
         "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n";
}

std::string unique_id(const std::string& label) {
  static int counter = 0;
  return "<" + label + "." + std::to_string(++counter) + "." +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
         "@customer.example>";
}

json first_message(EmailTestServer& t, std::int64_t case_id) { return t.messages(case_id).at(0); }

Poco::Net::MessageHeader headers_of(const std::string& raw) {
  std::istringstream in(raw);
  Poco::Net::MessageHeader header;
  header.read(in);
  return header;
}

}  // namespace

TEST_CASE("A mail posted to the mailgate creates a case for its sender", "[email]") {
  EmailTestServer t(settings());
  const std::string from = customer("intake");
  const auto reply = t.mailgate(plain_mail(from, "My order never arrived", unique_id("first"),
                                           "Order 4711 is two weeks late."));
  REQUIRE(reply.status == 201);
  const json outcome = reply.json();
  CHECK(outcome.at("new_case") == true);
  CHECK(outcome.at("duplicate") == false);

  const json the_case = t.call("case.get", {{"id", outcome.at("case_id")}});
  CHECK(the_case.at("number") == outcome.at("case_number"));
  CHECK(the_case.at("channel") == "email");
  CHECK(the_case.at("subject") == "My order never arrived");
  const json who = t.call("customer.get", {{"id", the_case.at("customer_id")}});
  CHECK(who.at("email") == from);
  CHECK(who.at("name") == "Ada Lovelace");
  const json message = first_message(t, the_case.at("id").get<std::int64_t>());
  CHECK(message.at("body") == "Order 4711 is two weeks late.");
  CHECK(message.at("attributes").at("email").at("source") == "mailgate");
}

TEST_CASE("The mailgate refuses a request without the shared token or of the wrong type",
          "[email]") {
  EmailTestServer t(settings());
  const std::string raw = plain_mail(customer("token"), "Hi", unique_id("t"), "Hello");
  const auto missing = t.mailgate(raw, "");
  CHECK(missing.status == 401);
  CHECK(missing.body.find("X-Mailgate-Token") != std::string::npos);
  CHECK(t.mailgate(raw, "not-the-token-at-all-0000").status == 401);
  const auto wrong_type = t.mailgate(raw, kMailgateToken, "application/json");
  CHECK(wrong_type.status == 415);
  CHECK(wrong_type.body.find("message/rfc822") != std::string::npos);
}

TEST_CASE("Delivering the same mail twice makes no second case", "[email]") {
  EmailTestServer t(settings());
  const std::string from = customer("redelivery");
  const std::string raw = plain_mail(from, "Broken lid", unique_id("dup"), "The lid broke.");
  const auto first = t.mailgate(raw);
  REQUIRE(first.status == 201);
  const auto second = t.mailgate(raw);
  REQUIRE(second.status == 200);
  CHECK(second.json().at("duplicate") == true);
  CHECK(second.json().at("case_id") == first.json().at("case_id"));
  CHECK(t.cases_of(from).size() == 1);
  CHECK(t.messages(first.json().at("case_id").get<std::int64_t>()).size() == 1);
}

TEST_CASE("A reply with the case token in its subject threads onto the case", "[email]") {
  EmailTestServer t(settings());
  const std::string from = customer("token-thread");
  const json opened =
      t.mailgate(plain_mail(from, "Wrong invoice", unique_id("a"), "I was billed twice.")).json();
  const std::string number = opened.at("case_number");
  const auto follow_up = t.mailgate(
      plain_mail(from, "Re: Wrong invoice [" + number + "]", unique_id("b"), "Any news on this?"));
  REQUIRE(follow_up.status == 200);
  CHECK(follow_up.json().at("case_id") == opened.at("case_id"));
  CHECK(follow_up.json().at("new_case") == false);
  const json messages = t.messages(opened.at("case_id").get<std::int64_t>());
  REQUIRE(messages.size() == 2);
  CHECK(messages.at(1).at("body") == "Any news on this?");
  CHECK(messages.at(1).at("direction") == "inbound");
  CHECK(t.cases_of(from).size() == 1);
}

TEST_CASE(
    "An agent's reply reaches the customer's mailbox with the case token and threading "
    "headers, and the customer's answer threads back by In-Reply-To",
    "[email]") {
  EmailTestServer t(settings());
  const std::string from = customer("smtp-reply");
  const std::string original_id = unique_id("orig");
  const json opened =
      t.mailgate(plain_mail(from, "Manual is missing page 4", original_id, "Page 4 is blank."))
          .json();
  const auto case_id = opened.at("case_id").get<std::int64_t>();
  const std::string number = opened.at("case_number");

  const json reply = t.reply(case_id, "Sorry! Here is the missing page: ...");
  const auto delivered = cxloop::testing::wait_for_messages(from, 1);
  const auto header = headers_of(delivered.at(0));
  CHECK(header.get("Subject") == "Re: Manual is missing page 4 [" + number + "]");
  CHECK(header.get("In-Reply-To") == original_id);
  CHECK(header.get("References").find(original_id) != std::string::npos);
  CHECK(header.get("From").find("support@example.test") != std::string::npos);
  const std::string sent_id = header.get("Message-ID");
  REQUIRE(sent_id.size() > 2);
  CHECK(sent_id.find(number) != std::string::npos);
  CHECK(delivered.at(0).find("Here is the missing page") != std::string::npos);

  const auto reply_id = reply.at("id").get<std::int64_t>();
  wait_until([&] { return t.message(case_id, reply_id).at("delivery_state") == "sent"; },
             "the reply to be marked sent");
  CHECK(t.message(case_id, reply_id).at("external_id") == sent_id);

  // The customer answers in a mail client that drops the subject token but keeps the headers.
  const auto answer = t.mailgate(plain_mail(
      from, "Re: Manual", unique_id("answer"), "Thanks, that helped.",
      "In-Reply-To: " + sent_id + "\r\nReferences: " + original_id + " " + sent_id + "\r\n"));
  REQUIRE(answer.status == 200);
  CHECK(answer.json().at("case_id") == case_id);
  CHECK(t.cases_of(from).size() == 1);
}

TEST_CASE("A reply goes out over STARTTLS with SMTP AUTH when configured", "[email]") {
  const std::string auth = GENERATE(as<std::string>{}, "login", "plain");
  CAPTURE(auth);
  const auto& mail = cxloop::testing::mail_servers();
  // The submission port refuses mail before STARTTLS and before AUTH.
  EmailTestServer t(settings({{"smtp",
                               {{"port", mail.smtp_tls_port},
                                {"starttls", true},
                                {"auth", auth},
                                {"username", mail.smtp_user},
                                {"password", mail.smtp_password}}},
                              {"tls", {{"ca_file", mail.ca_file.string()}}}}));
  const std::string from = customer("smtp-tls");
  const json opened =
      t.mailgate(plain_mail(from, "Refund", unique_id("tls"), "Where is my refund?")).json();
  t.reply(opened.at("case_id").get<std::int64_t>(), "The refund is on its way.");
  const auto delivered = cxloop::testing::wait_for_messages(from, 1);
  CHECK(headers_of(delivered.at(0)).get("Subject") ==
        "Re: Refund [" + opened.at("case_number").get<std::string>() + "]");
}

TEST_CASE("A reply is retried while the SMTP server is unreachable", "[email]") {
  // Port 1 on loopback has no listener: connecting is refused at once.
  EmailTestServer t(settings({{"smtp", {{"port", 1}}}}));
  const std::string from = customer("smtp-down");
  const json opened =
      t.mailgate(plain_mail(from, "Late delivery", unique_id("down"), "Where is it?")).json();
  const auto case_id = opened.at("case_id").get<std::int64_t>();
  const auto reply_id =
      t.reply(case_id, "Checking with the warehouse.").at("id").get<std::int64_t>();
  wait_until(
      [&] {
        const auto metrics = t.http("GET", "/metrics", "", {}).body;
        return metrics.find("cxloop_plugin_email_outbound_total") != std::string::npos &&
               metrics.find("outcome=\"retry\"") != std::string::npos;
      },
      "a failed SMTP attempt to be counted");
  CHECK(t.message(case_id, reply_id).at("delivery_state") == "pending");
}

TEST_CASE("Quoted-printable, base64 and ISO-8859-1 parts are decoded to UTF-8", "[email]") {
  EmailTestServer t(settings());
  const std::string from = customer("decode");
  const std::string raw =
      "From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <" + from +
      ">\r\n"
      "Subject: =?UTF-8?B?S2FwdXR0ZXIgS8O8aGxzY2hyYW5r?=\r\n"
      "Message-ID: " +
      unique_id("decode") +
      "\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
      "This is a multi-part message in MIME format.\r\n"
      "--outer\r\n"
      "Content-Type: text/plain; charset=ISO-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Der K=FChlschrank ist kaputt. Gr=FC=DFe aus K=F6ln, ein sehr langer Satz der =\r\n"
      "umbrochen wird.\r\n"
      "--outer\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "U2VyaWVubnVtbWVyOiDihJYgNDIg4oCUIMOcYmVyc2V0enQ=\r\n"
      "--outer--\r\n";
  const auto reply = t.mailgate(raw);
  REQUIRE(reply.status == 201);
  const auto case_id = reply.json().at("case_id").get<std::int64_t>();
  const json the_case = t.call("case.get", {{"id", case_id}});
  CHECK(the_case.at("subject") == "Kaputter Kühlschrank");
  const json who = t.call("customer.get", {{"id", the_case.at("customer_id")}});
  CHECK(who.at("name") == "Jörg Müller");
  const std::string body = first_message(t, case_id).at("body");
  CHECK(body.find("Der Kühlschrank ist kaputt. Grüße aus Köln, ein sehr langer Satz der "
                  "umbrochen wird.") != std::string::npos);
  CHECK(body.find("Seriennummer: № 42 — Übersetzt") != std::string::npos);
}

TEST_CASE("The plain part of a multipart/alternative mail is preferred over its HTML", "[email]") {
  EmailTestServer t(settings());
  const std::string raw =
      "From: " + customer("alternative") + "\r\nSubject: Alt\r\nMessage-ID: " + unique_id("alt") +
      "\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=alt\r\n\r\n"
      "--alt\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlain version\r\n"
      "--alt\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>HTML version</p>\r\n"
      "--alt--\r\n";
  const auto reply = t.mailgate(raw);
  REQUIRE(reply.status == 201);
  const json message = first_message(t, reply.json().at("case_id").get<std::int64_t>());
  CHECK(message.at("body") == "Plain version");
  CHECK(message.at("attributes").at("email").at("html_only") == false);
}

TEST_CASE("An HTML-only mail is turned into readable text", "[email]") {
  EmailTestServer t(settings());
  const std::string raw =
      "From: " + customer("html") + "\r\nSubject: HTML only\r\nMessage-ID: " + unique_id("html") +
      "\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=windows-1252\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "<html><head><title>ignored title</title><style>p { color: red; }</style>\r\n"
      "<script>alert('x')</script></head><body><p>Hello&nbsp;team,</p><p>the parts =\r\n"
      "are:<br>missing</p><ul><li>screw &amp; nut</li><li>caf&eacute; manual =80 5</li></ul>=\r\n"
      "<!-- a comment --><div>Thanks&#33;</div></body></html>\r\n";
  const auto reply = t.mailgate(raw);
  REQUIRE(reply.status == 201);
  const json message = first_message(t, reply.json().at("case_id").get<std::int64_t>());
  CHECK(message.at("body") ==
        "Hello team,\n\nthe parts are:\nmissing\n\n- screw & nut\n- café manual € 5\nThanks!");
  CHECK(message.at("attributes").at("email").at("html_only") == true);
}

TEST_CASE("Attachments are kept as names and sizes, not as contents", "[email]") {
  EmailTestServer t(settings());
  // 44 bytes of content: "%PDF-1.4 fake invoice content for the test.."
  const std::string pdf_base64 = "JVBERi0xLjQgZmFrZSBpbnZvaWNlIGNvbnRlbnQgZm9yIHRoZSB0ZXN0Li4=";
  const std::string raw =
      "From: " + customer("attach") +
      "\r\nSubject: Invoice attached\r\nMessage-ID: " + unique_id("att") +
      "\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=mix\r\n\r\n"
      "--mix\r\nContent-Type: text/plain\r\n\r\nSee the invoice.\r\n"
      "--mix\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\n"
      "Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      pdf_base64 +
      "\r\n"
      "--mix\r\nContent-Type: image/png\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''Foto%20K%C3%BCche.png\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
      "--mix--\r\n";
  const auto reply = t.mailgate(raw);
  REQUIRE(reply.status == 201);
  const json message = first_message(t, reply.json().at("case_id").get<std::int64_t>());
  CHECK(message.at("body") == "See the invoice.");
  const json files = message.at("attributes").at("email").at("attachments");
  REQUIRE(files.size() == 2);
  CHECK(files.at(0).at("name") == "invoice.pdf");
  CHECK(files.at(0).at("content_type") == "application/pdf");
  CHECK(files.at(0).at("size") == 44);
  CHECK(files.at(1).at("name") == "Foto Küche.png");
  CHECK(files.at(1).at("size") == 8);
  CHECK(message.dump().find(pdf_base64) == std::string::npos);
}

TEST_CASE("Malformed mail is refused with the reason", "[email]") {
  EmailTestServer t(settings());
  SECTION("a multipart body whose boundary never appears") {
    const auto reply = t.mailgate(
        "From: " + customer("malformed") + "\r\nSubject: x\r\nMessage-ID: " + unique_id("m") +
        "\r\nContent-Type: multipart/mixed; boundary=nowhere\r\n\r\njust text\r\n");
    CHECK(reply.status == 400);
    CHECK(reply.body.find("malformed MIME") != std::string::npos);
  }
  SECTION("a multipart part without a boundary") {
    const auto reply = t.mailgate("From: " + customer("malformed") +
                                  "\r\nSubject: x\r\nMessage-ID: " + unique_id("m") +
                                  "\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                                  "Content-Type: multipart/alternative\r\n\r\ntext\r\n--b--\r\n");
    CHECK(reply.status == 400);
    CHECK(reply.body.find("no boundary") != std::string::npos);
  }
  SECTION("a mail without a sender") {
    const auto reply =
        t.mailgate("Subject: anonymous\r\nMessage-ID: " + unique_id("m") + "\r\n\r\nwho am I\r\n");
    CHECK(reply.status == 400);
    CHECK(reply.body.find("no From header") != std::string::npos);
  }
  SECTION("a base64 part with characters outside base64") {
    const auto reply = t.mailgate(
        "From: " + customer("malformed") + "\r\nSubject: x\r\nMessage-ID: " + unique_id("m") +
        "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "!!!not base64???\r\n");
    CHECK(reply.status == 400);
  }
  SECTION("a message larger than max_message_bytes") {
    EmailTestServer small(settings({{"max_message_bytes", 2048}}));
    const auto reply = small.mailgate(
        plain_mail(customer("big"), "Big", unique_id("big"), std::string(4096, 'x')));
    CHECK(reply.status == 413);
    CHECK(reply.body.find("max_message_bytes") != std::string::npos);
  }
}

TEST_CASE("A mail in an unknown charset is refused with the charset named", "[email]") {
  EmailTestServer t(settings());
  SECTION("in the body") {
    const auto reply = t.mailgate(
        "From: " + customer("charset") + "\r\nSubject: x\r\nMessage-ID: " + unique_id("c") +
        "\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nnuqneH\r\n");
    CHECK(reply.status == 422);
    CHECK(reply.body.find("x-klingon") != std::string::npos);
  }
  SECTION("in an encoded header word") {
    const auto reply =
        t.mailgate("From: " + customer("charset") +
                   "\r\nSubject: =?x-klingon?Q?nuqneH?=\r\nMessage-ID: " + unique_id("c") +
                   "\r\n\r\ntext\r\n");
    CHECK(reply.status == 422);
    CHECK(reply.body.find("x-klingon") != std::string::npos);
  }
}

TEST_CASE("A disabled email channel answers 404 on its endpoints", "[email]") {
  EmailTestServer t(settings(), false);
  const auto reply = t.mailgate(plain_mail(customer("off"), "Hi", unique_id("off"), "Hello"));
  CHECK(reply.status == 404);
}

TEST_CASE("Raw 8-bit ISO-8859-1 mail through the mailgate is decoded, not refused", "[email]") {
  EmailTestServer t(settings());
  const std::string from = customer("eightbit");
  // \xFC is "ü" in ISO-8859-1 and not valid UTF-8 on its own.
  const std::string raw = "From: Kunde <" + from +
                          ">\r\n"
                          "Subject: Gr\xFC\xDF"
                          "e\r\n"
                          "Message-ID: " +
                          unique_id("eightbit") +
                          "\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=ISO-8859-1\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n\r\n"
                          "Der K\xFChlschrank ist kaputt.\r\n";
  const auto reply = t.mailgate(raw);
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  const auto case_id = reply.json().at("case_id").get<std::int64_t>();
  const std::string body = first_message(t, case_id).at("body");
  CHECK(body.find("Der Kühlschrank ist kaputt.") != std::string::npos);
}

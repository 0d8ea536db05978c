// The live chat channel end to end: the kernel in-process with the built plugin, a Poco
// WebSocket client in the customer's place, and agent replies through the REST API.
#include <catch2/catch.hpp>

#include "chat_test_server.hpp"

namespace {

using cxloop::testing::ChatClient;
using cxloop::testing::ChatTestServer;
using cxloop::testing::wait_until;
using nlohmann::json;

json hello(ChatClient& client, const std::string& email, const std::string& name = "Ada") {
  client.send({{"type", "hello"}, {"name", name}, {"email", email}, {"subject", "Broken kettle"}});
  return client.receive("welcome");
}

}  // namespace

TEST_CASE("A customer who says hello gets a case and a conversation token", "[chat]") {
  ChatTestServer t;
  ChatClient client(t.chat_port());
  const json welcome = hello(client, "ada@customer.example", "Ada Lovelace");
  const std::string token = welcome.at("token");
  CHECK(token.size() == 32);
  CHECK(welcome.at("resumed") == false);
  const json the_case = t.case_by_number(welcome.at("case_number"));
  CHECK(the_case.at("channel") == "chat");
  CHECK(the_case.at("subject") == "Broken kettle");
  const json who = t.call("customer.get", {{"id", the_case.at("customer_id")}});
  CHECK(who.at("email") == "ada@customer.example");
  CHECK(who.at("name") == "Ada Lovelace");
}

TEST_CASE("Chat messages are appended to the case and a resent message is stored once", "[chat]") {
  ChatTestServer t;
  ChatClient client(t.chat_port());
  const json welcome = hello(client, "bob@customer.example");
  const auto case_id = t.case_by_number(welcome.at("case_number")).at("id").get<std::int64_t>();

  client.send({{"type", "message"}, {"id", "m1"}, {"text", "The kettle leaks."}});
  const json ack = client.receive("ack");
  CHECK(ack.at("id") == "m1");
  CHECK(ack.at("duplicate") == false);
  client.send({{"type", "message"}, {"id", "m1"}, {"text", "The kettle leaks."}});
  CHECK(client.receive("ack").at("duplicate") == true);
  client.send({{"type", "message"}, {"id", 2}, {"text", "It is model K-200."}});
  CHECK(client.receive("ack").at("duplicate") == false);

  const json messages = t.messages(case_id);
  REQUIRE(messages.size() == 3);  // the opening message and two distinct chat messages
  CHECK(messages.at(1).at("body") == "The kettle leaks.");
  CHECK(messages.at(2).at("body") == "It is model K-200.");
  CHECK(messages.at(2).at("direction") == "inbound");
}

TEST_CASE("An agent's reply is pushed live to the customer's open socket", "[chat]") {
  ChatTestServer t;
  ChatClient client(t.chat_port());
  const json welcome = hello(client, "carol@customer.example");
  const auto case_id = t.case_by_number(welcome.at("case_number")).at("id").get<std::int64_t>();

  const json reply = t.reply(case_id, "Hi Carol, a new kettle is on its way.");
  const json pushed = client.receive("reply");
  CHECK(pushed.at("text") == "Hi Carol, a new kettle is on its way.");
  CHECK(pushed.at("message_id") == reply.at("id"));
  const auto reply_id = reply.at("id").get<std::int64_t>();
  wait_until([&] { return t.message(case_id, reply_id).at("delivery_state") == "delivered"; },
             "the pushed reply to be marked delivered");
}

TEST_CASE("A reconnect with the token resumes the same case and gets the replies kept meanwhile",
          "[chat]") {
  ChatTestServer t;
  std::string token, number;
  {
    ChatClient first(t.chat_port());
    const json welcome = hello(first, "dan@customer.example");
    token = welcome.at("token");
    number = welcome.at("case_number");
    first.send({{"type", "message"}, {"id", "a"}, {"text", "Still broken."}});
    first.receive("ack");
    first.close();
    CHECK(first.receive() == json{{"close", 1000}});  // the server answers the close
  }
  const auto case_id = t.case_by_number(number).at("id").get<std::int64_t>();
  const auto reply_id = t.reply(case_id, "Please send a photo.").at("id").get<std::int64_t>();
  wait_until([&] { return t.metrics().find("outcome=\"queued\"") != std::string::npos; },
             "the reply to be kept for the absent customer");
  CHECK(t.message(case_id, reply_id).at("delivery_state") == "pending");

  ChatClient again(t.chat_port());
  again.send({{"type", "resume"}, {"token", token}});
  const json welcome = again.receive("welcome");
  CHECK(welcome.at("resumed") == true);
  CHECK(welcome.at("case_number") == number);
  const json kept = again.receive("reply");
  CHECK(kept.at("text") == "Please send a photo.");
  wait_until([&] { return t.message(case_id, reply_id).at("delivery_state") == "delivered"; },
             "the kept reply to be marked delivered");

  again.send({{"type", "message"}, {"id", "b"}, {"text", "Photo attached later."}});
  again.receive("ack");
  CHECK(t.messages(case_id).size() == 4);  // opening, "Still broken.", reply, "Photo..."
}

TEST_CASE("A resume with an unknown token is refused", "[chat]") {
  ChatTestServer t;
  ChatClient client(t.chat_port());
  client.send({{"type", "resume"}, {"token", "00000000000000000000000000000000"}});
  CHECK(client.receive("error").at("code") == "unknown_token");
}

TEST_CASE("Frames outside the protocol get an error naming the fix", "[chat]") {
  ChatTestServer t;
  ChatClient client(t.chat_port());
  client.send_text("this is not JSON");
  CHECK(client.receive("error").at("code") == "bad_request");
  client.send({{"type", "message"}, {"id", "x"}, {"text", "too early"}});
  CHECK(client.receive("error").at("message").get<std::string>().find("hello") !=
        std::string::npos);
  client.send({{"type", "hello"}, {"name", "No Mail"}});
  CHECK(client.receive("error").at("code") == "invalid");
  client.send({{"type", "ping"}});
  CHECK(client.receive("pong").at("type") == "pong");
}

TEST_CASE("A frame larger than max_frame_bytes closes the socket with 1009", "[chat]") {
  ChatTestServer t(json{{"max_frame_bytes", 1024}});
  ChatClient client(t.chat_port());
  hello(client, "erin@customer.example");
  client.send({{"type", "message"}, {"id", "big"}, {"text", std::string(4096, 'x')}});
  CHECK(client.receive() == json{{"close", 1009}});
}

TEST_CASE("An idle socket is closed by the server", "[chat]") {
  ChatTestServer t(json{{"idle_timeout_s", 1}});
  ChatClient client(t.chat_port());
  // Nothing is sent; the server's idle timer is what ends the conversation.
  CHECK(client.receive() == json{{"close", 1001}});
}

TEST_CASE("The chat listener serves the widget page", "[chat]") {
  ChatTestServer t;
  const auto page = cxloop::testing::http_request(t.chat_port(), "GET", "/chat");
  CHECK(page.status == 200);
  CHECK(page.content_type.find("text/html") != std::string::npos);
  CHECK(page.body.find("/chat/ws") != std::string::npos);
  CHECK(cxloop::testing::http_request(t.chat_port(), "GET", "/elsewhere").status == 404);
}

TEST_CASE("A disabled chat channel answers 404 on its endpoints", "[chat]") {
  ChatTestServer t(json::object(), false);
  CHECK(cxloop::testing::http_request(t.kernel_port(), "GET", "/hooks/channel/chat/endpoint")
            .status == 404);
}

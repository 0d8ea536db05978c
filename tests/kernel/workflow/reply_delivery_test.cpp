// Agents' replies: queued for the channel that can deliver them in the same transaction, or
// recorded as not deliverable with the reason; channels report the outcome back.
#include "workflow_fixture.hpp"

#include "repository/outbox.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::Actor;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

std::int64_t new_case(WorkflowFixture& f, const std::string& channel, json customer) {
  return f.cases()
      .intake({{"channel", channel},
               {"customer", customer},
               {"subject", "Parcel missing"},
               {"body", "It never arrived."}},
              f.agent)
      .at("case")
      .at("id")
      .get<std::int64_t>();
}

json reply(WorkflowFixture& f, std::int64_t case_id, json extra = json::object()) {
  json message = {{"direction", "outbound"}, {"body", "We sent a new one."}};
  message.update(extra);
  return f.cases().append_message(case_id, message, f.agent).at("message");
}

std::vector<cxloop::repository::OutboxItem> claim_all(WorkflowFixture& f) {
  return cxloop::repository::Outbox(f.database.db()).claim("test", 100, std::chrono::seconds(60));
}

}  // namespace

TEST_CASE("a reply on a case from a delivering channel is queued for that channel") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.context.reply_channels = {{"sms", "phone"}, {"email", "email"}};
  std::int64_t id = new_case(f, "sms", {{"phone", "+15551230100"}});
  json message = reply(f, id);
  CHECK(message.at("delivery_state") == "pending");
  CHECK(message.at("channel") == "sms");
  auto items = claim_all(f);
  REQUIRE(items.size() == 1);
  CHECK(items[0].target == "sms");
  CHECK(items[0].operation == "deliver");
  CHECK(items[0].idempotency_key == "message:" + std::to_string(message.at("id").get<long>()));
  json payload = json::parse(items[0].payload_json);
  CHECK(payload.at("message").at("id") == message.at("id"));
  CHECK(payload.at("case").at("id") == id);
  CHECK(payload.at("customer").at("phone") == "+15551230100");
}

TEST_CASE("a reply on a web form case goes to a channel that reaches the customer") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.context.reply_channels = {{"chat", ""}, {"sms", "phone"}, {"email", "email"}};
  SECTION("by the first channel whose address the customer has") {
    std::int64_t id = new_case(f, "web", {{"email", "ann@example.com"}});
    json message = reply(f, id);
    CHECK(message.at("channel") == "email");
    CHECK(message.at("delivery_state") == "pending");
    CHECK(message.at("attributes").at("routed_from") == "web");
    auto items = claim_all(f);
    REQUIRE(items.size() == 1);
    CHECK(items[0].target == "email");
  }
  SECTION("preferring the customer's preferred channel") {
    f.customers().create(
        {{"email", "bob@example.com"}, {"phone", "+15551230111"}, {"preferred_channel", "sms"}},
        f.agent);
    std::int64_t id = new_case(f, "web", {{"email", "bob@example.com"}});
    CHECK(reply(f, id).at("channel") == "sms");
  }
}

TEST_CASE("a reply nobody can deliver is recorded as not deliverable with the reason") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.context.reply_channels = {{"sms", "phone"}};
  std::int64_t id = new_case(f, "web", {{"email", "cy@example.com"}});
  json message = reply(f, id);
  CHECK(message.at("delivery_state") == "not_deliverable");
  CHECK(message.at("channel") == "web");
  CHECK_THAT(
      message.at("attributes").at("delivery_error").get<std::string>(),
      Catch::Contains("no running channel instance delivers replies for case channel 'web'"));
  CHECK(claim_all(f).empty());
}

TEST_CASE("a reply through a requested channel that cannot reach the customer is not sent") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.context.reply_channels = {{"sms", "phone"}, {"email", "email"}};
  std::int64_t id = new_case(f, "email", {{"email", "di@example.com"}});
  json message = reply(f, id, {{"channel", "sms"}});
  CHECK(message.at("delivery_state") == "not_deliverable");
  CHECK_THAT(message.at("attributes").at("delivery_error").get<std::string>(),
             Catch::Contains("the customer has no phone"));
  CHECK(claim_all(f).empty());
}

TEST_CASE("an outbound message with its own delivery state is recorded as given") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.context.reply_channels = {{"email", "email"}};
  std::int64_t id = new_case(f, "email", {{"email", "ed@example.com"}});
  CHECK(reply(f, id, {{"delivery_state", "sent"}}).at("delivery_state") == "sent");
  CHECK(claim_all(f).empty());
  CHECK(error_kind([&] {
          reply(f, id, {{"delivery_state", "teleported"}});
        }) == ErrorKind::invalid);
}

TEST_CASE("a channel reports delivery of its own replies and late reports change nothing") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.context.reply_channels = {{"sms", "phone"}};
  std::int64_t id = new_case(f, "sms", {{"phone", "+15551230122"}});
  std::int64_t message_id = reply(f, id).at("id").get<std::int64_t>();
  Actor sms{"plugin:sms", "plugin"};
  Actor other{"plugin:email", "plugin"};

  CHECK(error_kind([&] {
          f.cases().set_delivery({{"message_id", message_id}, {"delivery_state", "sent"}}, other);
        }) == ErrorKind::forbidden);
  CHECK(error_kind([&] {
          f.cases().set_delivery({{"message_id", message_id}, {"delivery_state", "failed"}}, sms);
        }) == ErrorKind::invalid);

  json sent = f.cases().set_delivery(
      {{"message_id", message_id}, {"delivery_state", "sent"}, {"external_id", "SM1"}}, sms);
  CHECK(sent.at("changed") == true);
  CHECK(sent.at("message").at("delivery_state") == "sent");
  CHECK(sent.at("message").at("external_id") == "SM1");
  json again =
      f.cases().set_delivery({{"message_id", message_id}, {"delivery_state", "sent"}}, sms);
  CHECK(again.at("changed") == false);
  f.cases().set_delivery({{"message_id", message_id}, {"delivery_state", "delivered"}}, sms);
  json late = f.cases().set_delivery(
      {{"message_id", message_id}, {"delivery_state", "failed"}, {"error", "late"}}, sms);
  CHECK(late.at("changed") == false);
  CHECK(late.at("message").at("delivery_state") == "delivered");

  bool recorded = false;
  for (const auto& event : f.cases().events(id)) {
    recorded = recorded || event.at("type") == "case.message_delivery";
  }
  CHECK(recorded);
}

TEST_CASE("a failed delivery keeps its reason on the message") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.context.reply_channels = {{"sms", "phone"}};
  std::int64_t id = new_case(f, "sms", {{"phone", "+15551230133"}});
  std::int64_t message_id = reply(f, id).at("id").get<std::int64_t>();
  json failed = f.cases().set_delivery(
      {{"message_id", message_id}, {"delivery_state", "failed"}, {"error", "number unreachable"}},
      {"plugin:sms", "plugin"});
  CHECK(failed.at("message").at("delivery_state") == "failed");
  CHECK(failed.at("message").at("attributes").at("delivery_error") == "number unreachable");
  CHECK(error_kind([&] {
          std::int64_t inbound =
              f.cases()
                  .append_message(id, {{"direction", "inbound"}, {"body", "hi"}}, f.agent)
                  .at("message")
                  .at("id")
                  .get<std::int64_t>();
          f.cases().set_delivery({{"message_id", inbound}, {"delivery_state", "sent"}},
                                 {"plugin:sms", "plugin"});
        }) == ErrorKind::conflict);
}

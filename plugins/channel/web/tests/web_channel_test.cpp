// The web form channel against a real server: the form page, intake in both encodings,
// follow-ups, duplicates, the honeypot, the rate limit, CORS and where replies go.
#include <catch2/catch.hpp>

#include <Poco/URI.h>

#include "channel_server.hpp"
#include "gateway_receiver.hpp"

using cxloop::testing::ChannelServer;
using cxloop::testing::GatewayReceiver;
using cxloop::testing::HttpResult;
using cxloop::testing::plugin_instance;
using cxloop::testing::wait_until;
using nlohmann::json;

namespace {

const std::string kForm = "/hooks/channel/web/form";
const std::string kSubmit = "/hooks/channel/web/submissions";

json web_settings(int per_minute = 100) {
  return {{"rate_limit_per_minute", per_minute},
          {"cors_origins", {"https://shop.example.com"}},
          {"max_description_bytes", 2000},
          {"products",
           {{{"sku", "KET-1"}, {"name", "Kettle"}}, {{"sku", "TOA-2"}, {"name", "Toaster"}}}}};
}

std::string encode(const std::map<std::string, std::string>& form) {
  std::string body;
  for (const auto& [name, value] : form) {
    std::string n, v;
    Poco::URI::encode(name, "&=+", n);
    Poco::URI::encode(value, "&=+", v);
    body += (body.empty() ? "" : "&") + n + "=" + v;
  }
  return body;
}

HttpResult post_form(ChannelServer& server, const std::map<std::string, std::string>& form) {
  return server.request("POST", kSubmit, encode(form),
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
}

HttpResult post_json(ChannelServer& server, const json& body,
                     std::map<std::string, std::string> headers = {}) {
  headers["Content-Type"] = "application/json";
  return server.request("POST", kSubmit, body.dump(), headers);
}

json case_by_number(ChannelServer& server, const std::string& number) {
  for (const auto& c : server.cases("channel=web")) {
    if (c.at("number") == number) return c;
  }
  throw std::runtime_error("no web case " + number);
}

}  // namespace

TEST_CASE("the form page is plain accessible HTML with every field labelled") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  HttpResult page = server.request("GET", kForm + "?case=CS-000042");
  REQUIRE(page.status == 200);
  CHECK_THAT(page.header("content-type"), Catch::StartsWith("text/html"));
  for (const char* field :
       {"name", "email", "product", "order_number", "description", "case_number"}) {
    INFO(field);
    CHECK_THAT(page.body, Catch::Contains(std::string("<label for=\"") + field + "\""));
    CHECK_THAT(page.body, Catch::Contains(std::string("id=\"") + field + "\""));
  }
  CHECK_THAT(page.body, Catch::Contains("action=\"submissions\""));
  CHECK_THAT(page.body, Catch::Contains("<option value=\"KET-1\">Kettle</option>"));
  CHECK_THAT(page.body, Catch::Contains("name=\"website\""));      // honeypot
  CHECK_THAT(page.body, Catch::Contains("aria-hidden=\"true\""));  // hidden from assistive tech
  CHECK_THAT(page.body, Catch::Contains("name=\"submission_id\""));
  CHECK_THAT(page.body, Catch::Contains("value=\"CS-000042\""));
  CHECK(page.body.find("<script") == std::string::npos);
}

TEST_CASE("a form post creates a case for the customer with that email") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  HttpResult answer = post_form(server, {{"name", "Ann Smith"},
                                         {"email", "ann@example.com"},
                                         {"product", "KET-1"},
                                         {"order_number", "A-1001"},
                                         {"description", "The kettle leaks.\nSince Monday."}});
  REQUIRE(answer.status == 200);
  CHECK_THAT(answer.header("content-type"), Catch::StartsWith("text/html"));
  auto cases = server.cases("channel=web");
  REQUIRE(cases.size() == 1);
  json the_case = cases[0];
  CHECK_THAT(answer.body, Catch::Contains(the_case.at("number").get<std::string>()));
  CHECK(the_case.at("subject") == "Kettle: The kettle leaks.");
  CHECK(the_case.at("sku") == "KET-1");
  CHECK_THAT(the_case.at("description").get<std::string>(), Catch::Contains("A-1001"));
  json customer = server.api_json(
      "GET", "/api/v1/customers/" + std::to_string(the_case.at("customer_id").get<long>()));
  CHECK(customer.at("email") == "ann@example.com");
  CHECK(customer.at("name") == "Ann Smith");
  json message = server.messages(the_case.at("id").get<std::int64_t>()).at(0);
  CHECK(message.at("attributes").at("order_number") == "A-1001");
}

TEST_CASE("a phone number on the form joins the customer to their SMS contacts") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  HttpResult first =
      post_form(server, {{"email", "cy@example.com"}, {"description", "Blender is loud"}});
  REQUIRE(first.status == 200);
  HttpResult second = post_form(server, {{"email", "cy@example.com"},
                                         {"phone", "+44 7700 900123"},
                                         {"description", "Blender still loud"}});
  REQUIRE(second.status == 200);
  auto cases = server.cases("channel=web");
  REQUIRE(cases.size() == 2);
  CHECK(cases[0].at("customer_id") == cases[1].at("customer_id"));
  json customer = server.api_json(
      "GET", "/api/v1/customers/" + std::to_string(cases[0].at("customer_id").get<long>()));
  CHECK(customer.at("phone") == "+447700900123");
  HttpResult bad = post_form(
      server, {{"email", "cy@example.com"}, {"phone", "call me"}, {"description", "Still loud"}});
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("phone"));
}

TEST_CASE("a JSON post answers 201 with the case number") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  HttpResult answer =
      post_json(server, {{"email", "bo@example.com"}, {"description", "Toaster burns bread"}});
  REQUIRE(answer.status == 201);
  std::string number = answer.json().at("case_number");
  CHECK(case_by_number(server, number).at("channel") == "web");
}

TEST_CASE("a follow-up naming the customer's own case number threads onto it") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  std::string number =
      post_json(server, {{"email", "cy@example.com"}, {"description", "Parcel missing"}})
          .json()
          .at("case_number");
  HttpResult follow = post_json(
      server,
      {{"email", "CY@example.com"}, {"case_number", number}, {"description", "Still missing"}});
  REQUIRE(follow.status == 201);
  CHECK(follow.json().at("case_number") == number);
  CHECK(follow.json().at("threaded") == true);
  CHECK(server.cases("channel=web").size() == 1);
  CHECK(server.messages(case_by_number(server, number).at("id").get<std::int64_t>()).size() == 2);

  SECTION("someone else's case number is refused") {
    HttpResult stranger = post_json(
        server,
        {{"email", "mallory@example.com"}, {"case_number", number}, {"description", "Let me in"}});
    CHECK(stranger.status == 400);
    CHECK_THAT(stranger.body, Catch::Contains("does not belong to mallory@example.com"));
  }
}

TEST_CASE("a resent form with the same submission id makes no second case") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  std::map<std::string, std::string> form{{"email", "di@example.com"},
                                          {"description", "Broken handle"},
                                          {"submission_id", "form-7f3a"}};
  REQUIRE(post_form(server, form).status == 200);
  REQUIRE(post_form(server, form).status == 200);
  HttpResult by_header = post_json(server, {{"email", "di@example.com"}, {"description", "x"}},
                                   {{"Idempotency-Key", "form-7f3a"}});
  CHECK(by_header.json().at("duplicate") == true);
  CHECK(server.cases("channel=web").size() == 1);
}

TEST_CASE("a filled honeypot looks accepted but stores nothing and counts a bot") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  HttpResult answer = post_form(server, {{"email", "bot@example.com"},
                                         {"description", "Buy cheap watches"},
                                         {"website", "http://spam.example"}});
  CHECK(answer.status == 200);
  CHECK_THAT(answer.body, Catch::Contains("Thank you"));
  CHECK(server.cases("channel=web").empty());
  HttpResult metrics = server.request("GET", "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("cxloop_plugin_webform_bot_submissions_total"));
}

TEST_CASE("bad submissions are refused with what to fix") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  HttpResult no_email = post_json(server, {{"description", "hello"}});
  CHECK(no_email.status == 400);
  CHECK(no_email.json().at("field") == "email");
  HttpResult no_text = post_json(server, {{"email", "ed@example.com"}});
  CHECK(no_text.status == 400);
  CHECK(no_text.json().at("field") == "description");
  HttpResult product =
      post_json(server, {{"email", "ed@example.com"}, {"description", "x"}, {"product", "NOPE"}});
  CHECK(product.status == 400);
  CHECK(product.json().at("field") == "product");
  HttpResult oversized =
      post_json(server, {{"email", "ed@example.com"}, {"description", std::string(3000, 'x')}});
  CHECK(oversized.status == 413);
  HttpResult form_refusal = post_form(server, {{"email", "ed@example.com"}});
  CHECK(form_refusal.status == 400);
  CHECK_THAT(form_refusal.body, Catch::Contains("describe what happened"));
  HttpResult wrong_type =
      server.request("POST", kSubmit, "hello", {{"Content-Type", "text/plain"}});
  CHECK(wrong_type.status == 415);
  CHECK(server.cases("channel=web").empty());
}

TEST_CASE("a client posting faster than the rate limit gets 429 with Retry-After") {
  ChannelServer server({plugin_instance("web", "web", web_settings(3))});
  for (int i = 0; i < 3; ++i) {
    INFO(i);
    CHECK(post_json(server,
                    {{"email", "fay@example.com"}, {"description", "try " + std::to_string(i)}})
              .status == 201);
  }
  HttpResult limited = post_json(server, {{"email", "fay@example.com"}, {"description", "again"}});
  CHECK(limited.status == 429);
  CHECK(std::stoi(limited.header("retry-after")) >= 1);
  CHECK(server.cases("channel=web").size() == 3);
}

TEST_CASE("CORS is granted only to the configured origins") {
  ChannelServer server({plugin_instance("web", "web", web_settings())});
  HttpResult allowed = server.request(
      "OPTIONS", kSubmit, "",
      {{"Origin", "https://shop.example.com"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(allowed.status == 204);
  CHECK(allowed.header("access-control-allow-origin") == "https://shop.example.com");
  CHECK_THAT(allowed.header("access-control-allow-methods"), Catch::Contains("POST"));
  HttpResult refused = server.request(
      "OPTIONS", kSubmit, "",
      {{"Origin", "https://evil.example.net"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(refused.status == 403);
  CHECK(refused.header("access-control-allow-origin").empty());
  HttpResult post = post_json(server, {{"email", "gus@example.com"}, {"description", "hi"}},
                              {{"Origin", "https://shop.example.com"}});
  CHECK(post.header("access-control-allow-origin") == "https://shop.example.com");
  HttpResult foreign = post_json(server, {{"email", "gus@example.com"}, {"description", "hi"}},
                                 {{"Origin", "https://evil.example.net"}});
  CHECK(foreign.header("access-control-allow-origin").empty());
}

TEST_CASE("a reply on a web case goes out through a channel that reaches the customer") {
  GatewayReceiver gateway;
  json sms = {{"webhook_secret", "test-webhook-secret-123"},
              {"gateway_url", gateway.url()},
              {"account", "AC-test"},
              {"secret", "gateway-secret"},
              {"from_number", "+15559870000"}};
  ChannelServer server(
      {plugin_instance("web", "web", web_settings()), plugin_instance("sms", "sms", sms)});

  SECTION("no channel reaches an email-only customer: the reply is marked not deliverable") {
    std::string number = post_json(server, {{"email", "hal@example.com"}, {"description", "hi"}})
                             .json()
                             .at("case_number");
    std::int64_t id = case_by_number(server, number).at("id");
    json reply = server.api_json("POST", "/api/v1/cases/" + std::to_string(id) + "/messages",
                                 {{"body", "We are on it"}});
    json message = reply.contains("message") ? reply.at("message") : reply;
    CHECK(message.at("delivery_state") == "not_deliverable");
    CHECK_THAT(message.at("attributes").at("delivery_error").get<std::string>(),
               Catch::Contains("case channel 'web'"));
  }
  SECTION("a customer with a phone number gets the reply by SMS") {
    server.api_json("POST", "/api/v1/customers",
                    {{"email", "ivy@example.com"}, {"phone", "+15551230200"}});
    std::string number = post_json(server, {{"email", "ivy@example.com"}, {"description", "hi"}})
                             .json()
                             .at("case_number");
    std::int64_t id = case_by_number(server, number).at("id");
    json reply = server.api_json("POST", "/api/v1/cases/" + std::to_string(id) + "/messages",
                                 {{"body", "We are on it"}});
    json message = reply.contains("message") ? reply.at("message") : reply;
    CHECK(message.at("channel") == "sms");
    std::int64_t message_id = message.at("id");
    REQUIRE(
        wait_until([&] { return server.message(id, message_id).at("delivery_state") == "sent"; }));
    REQUIRE(gateway.requests().size() == 1);
    CHECK_THAT(gateway.requests()[0].body, Catch::Contains("To=%2B15551230200"));
  }
}

TEST_CASE("a web channel disabled in config answers 404 on its endpoints") {
  ChannelServer server({plugin_instance("web", "web", web_settings(), false)});
  CHECK(server.request("GET", kForm).status == 404);
  CHECK(post_json(server, {{"email", "jo@example.com"}, {"description", "hi"}}).status == 404);
}

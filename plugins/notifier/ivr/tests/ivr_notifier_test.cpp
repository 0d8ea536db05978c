// The IVR notifier in a real server over a small install base in the kernel's repository:
// the kernel publishes campaigns to the instance (as the outbox does) and the test asks the
// announcement feed over HTTP as the phone system would.
#include <catch2/catch.hpp>

#include "channel_server.hpp"
#include "plugin_host/plugin_host.hpp"

using cxloop::testing::ChannelServer;
using cxloop::testing::plugin_instance;
using nlohmann::json;

namespace {

// ann owns a kettle of the faulty batch (in scope); bob owns one of another batch but has a
// case linked to the problem; cat owns a kettle of another batch and never called.
struct PhoneLine : ChannelServer {
  explicit PhoneLine(json settings = json::object())
      : ChannelServer({plugin_instance("ivr", "ivr", settings)}) {
    auto& domain = server().domain();
    cxloop::workflow::Actor agent{"token:test", "agent"};
    for (const auto& [name, phone] : std::vector<std::pair<std::string, std::string>>{
             {"ann", "+442079460001"}, {"bob", "+442079460002"}, {"cat", "+442079460003"}}) {
      domain.customers.create({{"name", name}, {"email", name + "@example.com"}, {"phone", phone}},
                              agent);
    }
    auto asset = [](const std::string& owner, const std::string& batch) {
      return json{{"customer_email", owner + "@example.com"},
                  {"sku", "KET-1"},
                  {"batch", batch},
                  {"purchase_date", "2026-02-10"},
                  {"region", "north"}};
    };
    domain.assets.bulk_insert(
        json::array({asset("ann", "B7"), asset("bob", "B8"), asset("cat", "B9")}), agent);
    json problem = domain.problems.create(
        {{"title", "Kettle lids crack"}, {"scope", {{"skus", {"KET-1"}}, {"batches", {"B7"}}}}},
        agent);
    problem_id = problem.at("id").get<std::int64_t>();
    problem_number = problem.at("number").get<std::string>();
    const auto bobs_case = domain.cases.intake({{"channel", "phone"},
                                                {"customer", {{"phone", "+442079460002"}}},
                                                {"subject", "Lid cracked"},
                                                {"body", "The lid cracked."}},
                                               agent);
    domain.problems.link_case(problem_id, bobs_case.at("case").at("id").get<std::int64_t>(), false,
                              agent);
  }

  json invoke(const std::string& operation, const json& request) {
    auto* instance = server().plugins().find("ivr");
    REQUIRE(instance != nullptr);
    return instance->invoke(operation, request);
  }
  void publish(int campaign, const std::string& text) {
    invoke("publish", {{"campaign_id", campaign},
                       {"kind", "advisory"},
                       {"problem",
                        {{"id", problem_id},
                         {"number", problem_number},
                         {"title", "Kettle lids crack"},
                         {"scope", {{"skus", {"KET-1"}}, {"batches", {"B7"}}}}}},
                       {"subject", "Kettle lid advisory"},
                       {"text", text},
                       {"published_at", "2026-03-01T10:00:00.000000Z"},
                       {"idempotency_key", "campaign/" + std::to_string(campaign)}});
  }
  cxloop::testing::HttpResult ask(const std::string& caller_query) {
    return request("GET", "/public/ivr/announcement" + caller_query);
  }

  std::int64_t problem_id = 0;
  std::string problem_number;
};

}  // namespace

TEST_CASE("a caller whose asset is in the problem's scope hears the announcement") {
  PhoneLine line;
  line.publish(1, "Kettles from batch B7 may have a cracked lid; we will send a new one.");
  auto answer = line.ask("?caller=%2B442079460001");
  REQUIRE(answer.status == 200);
  CHECK(answer.header("cache-control") == "no-store");
  json body = answer.json();
  CHECK(body.at("announce") == true);
  CHECK(body.at("text") == "Kettles from batch B7 may have a cracked lid; we will send a new one.");
  CHECK(body.at("problems") == json::array({line.problem_number}));
}

TEST_CASE(
    "a caller with a case linked to the problem hears it though their asset is out of "
    "scope") {
  PhoneLine line;
  line.publish(1, "Kettle lids: a fix is on its way.");
  json body = line.ask("?caller=%2B442079460002").json();
  CHECK(body.at("announce") == true);
  CHECK(body.at("text") == "Kettle lids: a fix is on its way.");
}

TEST_CASE("a caller outside the scope and an unknown caller hear nothing") {
  PhoneLine line;
  line.publish(1, "Kettle lids: a fix is on its way.");
  auto outside = line.ask("?caller=%2B442079460003");
  REQUIRE(outside.status == 200);
  CHECK(outside.json() == json{{"announce", false}});
  auto unknown = line.ask("?caller=%2B15551234567");
  REQUIRE(unknown.status == 200);
  CHECK(unknown.json() == json{{"announce", false}});
}

TEST_CASE("an unencoded + in the caller number is read as the number's +") {
  PhoneLine line;
  line.publish(1, "Kettle lids: a fix is on its way.");
  CHECK(line.ask("?caller=+442079460001").json().at("announce") == true);
  CHECK(line.ask("?caller=%2B44%2020%207946%200001").json().at("announce") == true);
}

TEST_CASE("nothing is announced before a campaign is published or after it is withdrawn") {
  PhoneLine line(json{{"intro", "We have news about a product you own."}});
  CHECK(line.ask("?caller=%2B442079460001").json().at("announce") == false);
  line.publish(1, "Kettle lids: a fix is on its way.");
  CHECK(line.ask("?caller=%2B442079460001").json().at("text") ==
        "We have news about a product you own. Kettle lids: a fix is on its way.");
  line.invoke("withdraw", {{"campaign_id", 1},
                           {"problem", {{"id", line.problem_id}}},
                           {"idempotency_key", "withdraw/1"}});
  CHECK(line.ask("?caller=%2B442079460001").json().at("announce") == false);
}

TEST_CASE("a malformed or missing caller number is a 400 that says what to send") {
  PhoneLine line;
  line.publish(1, "Kettle lids: a fix is on its way.");
  auto malformed = line.ask("?caller=not-a-number");
  CHECK(malformed.status == 400);
  CHECK_THAT(malformed.header("content-type"), Catch::Contains("problem+json"));
  CHECK_THAT(malformed.body, Catch::Contains("not-a-number"));
  CHECK_THAT(malformed.body, Catch::Contains("E.164"));
  // No default country code is configured, so a national number cannot be placed.
  auto national = line.ask("?caller=02079460001");
  CHECK(national.status == 400);
  CHECK_THAT(national.body, Catch::Contains("country code"));
  auto missing = line.ask("");
  CHECK(missing.status == 400);
  CHECK_THAT(missing.body, Catch::Contains("caller"));
}

TEST_CASE("the IVR notifier takes campaigns by publish, not per-customer send") {
  PhoneLine line;
  auto* instance = line.server().plugins().find("ivr");
  REQUIRE(instance != nullptr);
  try {
    instance->invoke("send", json{{"notification_id", 1}, {"idempotency_key", "n1"}});
    FAIL("send was accepted");
  } catch (const cxloop::plugin_host::PluginCallError& e) {
    CHECK(e.status() == CXLOOP_ERR_UNSUPPORTED);
    CHECK_THAT(e.what(), Catch::Contains("publish"));
  }
}

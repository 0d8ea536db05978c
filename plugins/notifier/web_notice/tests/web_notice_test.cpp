// The web notice notifier in a real server: the kernel publishes and withdraws campaigns
// through the instance's invoke() as the outbox does, and the test reads the public feed and
// the banner over HTTP at /public/notices, as a website and its visitors' browsers would.
#include <catch2/catch.hpp>

#include "channel_server.hpp"
#include "plugin_host/plugin_host.hpp"

using cxloop::testing::ChannelServer;
using cxloop::testing::plugin_instance;
using nlohmann::json;

namespace {

json publication(int campaign, const std::string& sku, const std::string& published_at,
                 const std::string& text = "Check the lid before use.") {
  return {{"campaign_id", campaign},
          {"kind", "advisory"},
          {"problem",
           {{"id", 100 + campaign},
            {"number", "PRB-00010" + std::to_string(campaign)},
            {"title", "Lids crack on " + sku},
            {"scope", {{"skus", {sku}}, {"batches", {"B7"}}, {"regions", json::array()}}}}},
          {"subject", "Advisory for " + sku},
          {"text", text},
          {"published_at", published_at},
          {"idempotency_key", "campaign/" + std::to_string(campaign) + "/publish"}};
}

struct NoticeServer : ChannelServer {
  explicit NoticeServer(json settings = json::object())
      : ChannelServer({plugin_instance("notices", "web_notice", settings)}) {}

  json invoke(const std::string& operation, const json& request) {
    auto* instance = server().plugins().find("notices");
    REQUIRE(instance != nullptr);
    return instance->invoke(operation, request);
  }
  cxloop_status failure(const std::string& operation, const json& request) {
    try {
      invoke(operation, request);
    } catch (const cxloop::plugin_host::PluginCallError& e) {
      last_error = e.what();
      return e.status();
    }
    return CXLOOP_OK;
  }
  json feed(const std::string& query = "") {
    auto result = request("GET", "/public/notices" + query);
    REQUIRE(result.status == 200);
    return result.json();
  }
  std::string last_error;
};

std::vector<std::string> subjects(const json& feed) {
  std::vector<std::string> out;
  for (const auto& notice : feed.at("notices")) out.push_back(notice.at("subject"));
  return out;
}

}  // namespace

TEST_CASE("the notice feed lists a product's active notices newest first, or all without one") {
  NoticeServer server;
  CHECK(server.invoke("publish", publication(1, "KET-1", "2026-03-01T10:00:00.000000Z"))
            .at("external_ref") == "notice-1");
  server.invoke("publish", publication(2, "MUG-9", "2026-03-02T10:00:00.000000Z"));
  server.invoke("publish", publication(3, "KET-1", "2026-03-03T10:00:00.000000Z"));

  json kettles = server.feed("?product=KET-1");
  CHECK(kettles.at("product") == "KET-1");
  CHECK(subjects(kettles) == std::vector<std::string>{"Advisory for KET-1", "Advisory for KET-1"});
  CHECK(kettles.at("notices")[0].at("id") == "notice-3");
  CHECK(kettles.at("notices")[1].at("id") == "notice-1");
  const json& first = kettles.at("notices")[0];
  CHECK(first.at("problem_number") == "PRB-000103");
  CHECK(first.at("title") == "Lids crack on KET-1");
  CHECK(first.at("text") == "Check the lid before use.");
  CHECK(first.at("published_at") == "2026-03-03T10:00:00.000000Z");
  CHECK(first.at("kind") == "advisory");
  CHECK_FALSE(first.contains("scope"));

  CHECK(server.feed("?product=MUG-9").at("notices").size() == 1);
  CHECK(server.feed("?product=TOASTER").at("notices").empty());
  json all = server.feed();
  CHECK(all.at("product").is_null());
  REQUIRE(all.at("notices").size() == 3);
  CHECK(all.at("notices")[0].at("id") == "notice-3");
  CHECK(all.at("notices")[1].at("id") == "notice-2");
  CHECK(all.at("notices")[2].at("id") == "notice-1");
}

TEST_CASE("publishing a campaign again keeps its one notice") {
  NoticeServer server;
  server.invoke("publish", publication(1, "KET-1", "2026-03-01T10:00:00.000000Z"));
  json again = server.invoke(
      "publish", publication(1, "KET-1", "2026-03-05T10:00:00.000000Z", "A different text"));
  CHECK(again.at("external_ref") == "notice-1");
  json feed = server.feed();
  REQUIRE(feed.at("notices").size() == 1);
  CHECK(feed.at("notices")[0].at("text") == "Check the lid before use.");
}

TEST_CASE("a withdrawn campaign leaves the feed and withdrawing it again changes nothing") {
  NoticeServer server;
  server.invoke("publish", publication(1, "KET-1", "2026-03-01T10:00:00.000000Z"));
  server.invoke("publish", publication(2, "KET-1", "2026-03-02T10:00:00.000000Z"));
  json withdraw = {{"campaign_id", 2}, {"problem", {{"id", 102}}}, {"idempotency_key", "w2"}};
  CHECK(server.invoke("withdraw", withdraw) == json::object());
  CHECK(subjects(server.feed("?product=KET-1")).size() == 1);
  CHECK(server.feed().at("notices")[0].at("id") == "notice-1");
  CHECK(server.invoke("withdraw", withdraw) == json::object());
  CHECK(server.feed().at("notices").size() == 1);
}

TEST_CASE("withdrawing by problem takes off every notice of that problem") {
  NoticeServer server;
  server.invoke("publish", publication(1, "KET-1", "2026-03-01T10:00:00.000000Z"));
  json resolution = publication(4, "KET-1", "2026-03-04T10:00:00.000000Z");
  resolution["kind"] = "resolution";
  resolution["problem"]["id"] = 101;  // the same problem as campaign 1
  server.invoke("publish", resolution);
  server.invoke("publish", publication(2, "MUG-9", "2026-03-02T10:00:00.000000Z"));
  server.invoke("withdraw", {{"problem", {{"id", 101}}}, {"idempotency_key", "w101"}});
  json feed = server.feed();
  REQUIRE(feed.at("notices").size() == 1);
  CHECK(feed.at("notices")[0].at("id") == "notice-2");
}

TEST_CASE("publish and withdraw refuse requests that name no campaign or problem") {
  NoticeServer server;
  json no_campaign = publication(1, "KET-1", "2026-03-01T10:00:00.000000Z");
  no_campaign.erase("campaign_id");
  CHECK(server.failure("publish", no_campaign) == CXLOOP_ERR_INVALID);
  CHECK_THAT(server.last_error, Catch::Contains("campaign_id"));
  json no_problem = publication(1, "KET-1", "2026-03-01T10:00:00.000000Z");
  no_problem.erase("problem");
  CHECK(server.failure("publish", no_problem) == CXLOOP_ERR_INVALID);
  CHECK_THAT(server.last_error, Catch::Contains("problem"));
  json nothing_to_say = publication(1, "KET-1", "2026-03-01T10:00:00.000000Z");
  nothing_to_say.erase("subject");
  nothing_to_say.erase("text");
  CHECK(server.failure("publish", nothing_to_say) == CXLOOP_ERR_INVALID);
  json wrong_kind = publication(1, "KET-1", "2026-03-01T10:00:00.000000Z");
  wrong_kind["kind"] = "escalation";
  CHECK(server.failure("publish", wrong_kind) == CXLOOP_ERR_INVALID);
  CHECK_THAT(server.last_error, Catch::Contains("advisory or resolution"));
  CHECK(server.failure("withdraw", {{"idempotency_key", "w"}}) == CXLOOP_ERR_INVALID);
  CHECK(server.failure("send", {{"notification_id", 1}, {"idempotency_key", "n1"}}) ==
        CXLOOP_ERR_UNSUPPORTED);
  CHECK_THAT(server.last_error, Catch::Contains("publish"));
  CHECK(server.feed().at("notices").empty());
}

TEST_CASE("the banner script carries notice text as data that cannot break out of the script") {
  NoticeServer server;
  const std::string hostile =
      "</script><script>alert(\"x\")</script> <img src=x onerror=alert(1)> & \u2028 done";
  server.invoke("publish", publication(1, "KET-1", "2026-03-01T10:00:00.000000Z", hostile));
  auto banner = server.request("GET", "/public/notices/banner.js?product=KET-1");
  REQUIRE(banner.status == 200);
  CHECK_THAT(banner.header("content-type"), Catch::StartsWith("application/javascript"));
  CHECK(banner.body.find("</script>") == std::string::npos);
  CHECK(banner.body.find("<img") == std::string::npos);
  CHECK(banner.body.find("\u2028") == std::string::npos);
  CHECK(banner.body.find("innerHTML") == std::string::npos);
  CHECK_THAT(banner.body, Catch::Contains("textContent"));
  CHECK_THAT(banner.body, Catch::Contains("aria-label"));
  // The embedded notices are JSON that reads back as the exact text.
  const std::string marker = "var notices = ";
  const auto start = banner.body.find(marker);
  REQUIRE(start != std::string::npos);
  const auto end = banner.body.find(";\n", start);
  json notices =
      json::parse(banner.body.substr(start + marker.size(), end - start - marker.size()));
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].at("text") == hostile);

  auto other = server.request("GET", "/public/notices/banner.js?product=MUG-9");
  REQUIRE(other.status == 200);
  CHECK_THAT(other.body, Catch::Contains("var notices = [];"));
}

TEST_CASE("the feed allows cross-origin reads from configured origins only") {
  NoticeServer server({{"cors_origins", {"https://shop.example.com"}}, {"cache_seconds", 30}});
  server.invoke("publish", publication(1, "KET-1", "2026-03-01T10:00:00.000000Z"));
  auto allowed = server.request("GET", "/public/notices?product=KET-1", "",
                                {{"Origin", "https://shop.example.com"}});
  REQUIRE(allowed.status == 200);
  CHECK(allowed.header("access-control-allow-origin") == "https://shop.example.com");
  CHECK(allowed.header("cache-control") == "public, max-age=30");
  auto other =
      server.request("GET", "/public/notices", "", {{"Origin", "https://evil.example.net"}});
  REQUIRE(other.status == 200);
  CHECK(other.header("access-control-allow-origin").empty());

  auto preflight = server.request(
      "OPTIONS", "/public/notices", "",
      {{"Origin", "https://shop.example.com"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-origin") == "https://shop.example.com");
  CHECK_THAT(preflight.header("access-control-allow-methods"), Catch::Contains("GET"));
  auto refused = server.request(
      "OPTIONS", "/public/notices", "",
      {{"Origin", "https://evil.example.net"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(refused.status == 403);
  CHECK_THAT(refused.body, Catch::Contains("cors_origins"));
}

TEST_CASE("the feed lives at /public/notices, not under /hooks") {
  NoticeServer server;
  CHECK(server.request("GET", "/public/notices").status == 200);
  CHECK(server.request("GET", "/hooks/notifier/notices/public/notices").status == 404);
}

TEST_CASE("a second instance cannot take /public/notices from the first") {
  auto second = plugin_instance("more_notices", "web_notice", json::object());
  second.required = false;
  ChannelServer server({plugin_instance("notices", "web_notice", json::object()), second});
  std::string error;
  for (const auto& status : server.server().plugins().statuses()) {
    if (status.instance == "more_notices") {
      CHECK(status.state == "failed");
      CHECK(status.stage == "init");
      error = status.error;
    }
  }
  CHECK_THAT(error, Catch::Contains("/public/notices"));
  CHECK_THAT(error, Catch::Contains("already registered"));
  CHECK(server.server().plugins().find("notices") != nullptr);
}

// The similarity plugin loaded by a real in-process server: cases come in through the REST
// API, the plugin sees them as events and proposes through the kernel's suggestion
// operations, and an agent accepts or dismisses through the REST API.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "channel_server.hpp"
#include "plugin_host/plugin_host.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "workflow/suggestions.hpp"

namespace cxloop::testing {
namespace {

using nlohmann::json;

ChannelServer analytics_server() {
  return ChannelServer(
      {plugin_instance("similarity", "similarity", {{"min_cases", 3}, {"min_customers", 2}})});
}

std::int64_t create_case(ChannelServer& server, const std::string& channel, const json& customer,
                         const std::string& subject, const std::string& body,
                         const std::string& sku = "") {
  json request = {
      {"channel", channel}, {"customer", customer}, {"subject", subject}, {"body", body}};
  if (!sku.empty()) request["sku"] = sku;
  return server.api_json("POST", "/api/v1/cases", request).at("id").get<std::int64_t>();
}

json suggestions(ChannelServer& server, const std::string& query) {
  return server.api_json("GET", "/api/v1/suggestions?" + query).at("items");
}

// Waits for a suggestion matching the query and predicate; fails the test if none comes.
json wait_for_suggestion(ChannelServer& server, const std::string& query,
                         const std::function<bool(const json&)>& wanted) {
  json found;
  const bool arrived = wait_until([&] {
    for (const auto& s : suggestions(server, query)) {
      if (wanted(s)) {
        found = s;
        return true;
      }
    }
    return false;
  });
  INFO("suggestions: " << suggestions(server, "limit=50").dump());
  REQUIRE(arrived);
  return found;
}

std::vector<std::int64_t> ids_of(const json& array) {
  return array.get<std::vector<std::int64_t>>();
}

std::int64_t add_leaks(ChannelServer& server, int from, int count, std::vector<std::int64_t>& ids) {
  const std::vector<std::string> texts = {
      "The kettle leaks water from the base", "kettle leaking from the bottom after filling",
      "puddle under my kettle, water leaks from the base", "my kettel is leaking from the bottom",
      "leaking kettle, water drips from the base"};
  for (int i = from; i < from + count; ++i) {
    const std::string n = std::to_string(i);
    if (i % 2 == 0) {
      ids.push_back(create_case(server, "email", {{"email", "leak" + n + "@example.test"}},
                                "Kettle leaking", texts[static_cast<std::size_t>(i % 5)],
                                "KT-200"));
    } else {
      // The subject the SMS channel gives its cases.
      const std::string phone = "+4915100000" + n;
      const std::string& text = texts[static_cast<std::size_t>(i % 5)];
      ids.push_back(
          create_case(server, "sms", {{"phone", phone}}, "SMS from " + phone + ": " + text, text));
    }
  }
  return ids.back();
}

}  // namespace

TEST_CASE(
    "Similar contacts from several customers and channels are proposed as one problem, "
    "and accepting the suggestion links them") {
  ChannelServer server = analytics_server();
  const auto invoice = create_case(server, "email", {{"email", "inv@example.test"}}, "Invoice",
                                   "please send me a copy of the invoice");
  const auto password = create_case(server, "chat", {{"email", "pw@example.test"}}, "Login",
                                    "I forgot my password and the reset link expired");
  std::vector<std::int64_t> leaks;
  add_leaks(server, 0, 3, leaks);

  const json proposal = wait_for_suggestion(
      server, "kind=problem", [](const json& s) { return s.at("case_ids").size() == 3; });
  CHECK(proposal.at("state") == "open");
  CHECK(ids_of(proposal.at("case_ids")) == leaks);
  const auto cases = ids_of(proposal.at("case_ids"));
  CHECK(std::find(cases.begin(), cases.end(), invoice) == cases.end());
  CHECK(std::find(cases.begin(), cases.end(), password) == cases.end());
  CHECK(proposal.at("signature") == "cases:" + std::to_string(leaks.front()));
  CHECK(proposal.at("scope").at("skus") == json::array({"KT-200"}));
  const json& evidence = proposal.at("evidence");
  CHECK(evidence.at("customers") == 3);
  CHECK(evidence.at("channels") == json({{"email", 2}, {"sms", 1}}));
  CHECK(evidence.at("scores").size() == 3);
  const auto terms = evidence.at("shared_terms").get<std::vector<std::string>>();
  CHECK(std::find(terms.begin(), terms.end(), "kettle") != terms.end());

  const json accepted = server.api_json(
      "POST",
      "/api/v1/suggestions/" + std::to_string(proposal.at("id").get<std::int64_t>()) + "/accept",
      json::object());
  const auto problem_id = accepted.at("problem").at("id").get<std::int64_t>();
  CHECK(ids_of(accepted.at("linked_case_ids")) == leaks);
  for (std::int64_t id : leaks) {
    CHECK(server.api_json("GET", "/api/v1/cases/" + std::to_string(id)).at("problem_id") ==
          problem_id);
  }

  // The next contact about it is suggested for linking to the problem, not as a new problem.
  const auto late = create_case(server, "web", {{"email", "late@example.test"}}, "Leak",
                                "water leaking from the base of my kettle", "KT-200");
  const json link = wait_for_suggestion(server, "kind=link", [&](const json& s) {
    return s.at("problem_id") == problem_id && ids_of(s.at("case_ids")) == std::vector{late};
  });
  CHECK(link.at("evidence").at("scores").at(std::to_string(late)).get<double>() >= 0.45);
  server.api_json(
      "POST",
      "/api/v1/suggestions/" + std::to_string(link.at("id").get<std::int64_t>()) + "/accept",
      json::object());
  CHECK(server.api_json("GET", "/api/v1/cases/" + std::to_string(late)).at("problem_id") ==
        problem_id);
}

TEST_CASE("A dismissed suggestion is not proposed again while its cluster grows") {
  ChannelServer server = analytics_server();
  std::vector<std::int64_t> leaks;
  add_leaks(server, 0, 3, leaks);
  const json proposal = wait_for_suggestion(
      server, "kind=problem", [](const json& s) { return s.at("case_ids").size() == 3; });
  server.api_json(
      "POST",
      "/api/v1/suggestions/" + std::to_string(proposal.at("id").get<std::int64_t>()) + "/dismiss",
      {{"reason", "known, handled by the shop"}});
  add_leaks(server, 3, 2, leaks);

  // Events reach the plugin in order: once a later cluster is proposed, the two new leaks
  // have been seen.
  const std::vector<std::string> wifi = {"router wifi drops every few minutes",
                                         "the router keeps dropping the wifi connection",
                                         "wifi on my router disconnects every few minutes"};
  for (std::size_t i = 0; i < wifi.size(); ++i) {
    create_case(server, "chat", {{"email", "wifi" + std::to_string(i) + "@example.test"}}, "WiFi",
                wifi[i], "RT-900");
  }
  wait_for_suggestion(server, "kind=problem", [](const json& s) {
    return s.at("scope").at("skus") == json::array({"RT-900"});
  });
  const json all = suggestions(server, "kind=problem&limit=50");
  REQUIRE(all.size() == 2);
  for (const auto& s : all) {
    if (s.at("signature") == proposal.at("signature")) {
      CHECK(s.at("state") == "dismissed");
      CHECK(s.at("case_ids").size() == 3);  // the dismissed evidence was not refreshed
    } else {
      CHECK(s.at("state") == "open");
    }
  }
  CHECK(suggestions(server, "kind=link").empty());
}

TEST_CASE("The plugin's match operation lists a case's look-alikes on demand") {
  ChannelServer server = analytics_server();
  std::vector<std::int64_t> leaks;
  add_leaks(server, 0, 3, leaks);
  wait_for_suggestion(server, "kind=problem", [](const json&) { return true; });
  auto* instance = server.server().plugins().find("similarity");
  REQUIRE(instance != nullptr);
  const json answer = instance->invoke("match", json{{"case_id", leaks.front()}});
  std::vector<std::int64_t> similar;
  for (const auto& entry : answer.at("similar")) similar.push_back(entry.at("case_id"));
  CHECK(similar == std::vector<std::int64_t>{leaks[2], leaks[1]});
}

TEST_CASE(
    "At start-up the plugin rebuilds its index from the stored cases and proposes "
    "what is ready") {
  const auto directory = std::filesystem::temp_directory_path() /
                         ("cxloop-similarity-rebuild-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(directory);
  auto run = [&](std::vector<config::PluginInstanceConfig> plugins) {
    config::Config settings;
    settings.http.port = 0;
    settings.storage.url = "sqlite:" + (directory / "cxloop.db").string();
    settings.data_dir = directory.string();
    settings.logging.level = "warning";
    settings.plugin_dirs = {std::string(std::getenv("CXLOOP_BUILD_DIR")) + "/plugins"};
    settings.plugins = std::move(plugins);
    return std::make_unique<app::Server>(settings);
  };
  std::vector<std::int64_t> leaks;
  {
    // Cases arrive while no analytics plugin runs.
    auto before = run({});
    before->start();
    const workflow::Actor agent{"user:test", "agent"};
    const std::vector<std::string> texts = {"The kettle leaks water from the base",
                                            "kettle leaking water from the base",
                                            "water leaks from the base of my kettle"};
    for (std::size_t i = 0; i < texts.size(); ++i) {
      leaks.push_back(
          before->domain()
              .cases
              .intake({{"channel", "email"},
                       {"customer", {{"email", "r" + std::to_string(i) + "@example.test"}}},
                       {"subject", "Leak"},
                       {"body", texts[i]}},
                      agent)
              .at("case")
              .at("id")
              .get<std::int64_t>());
    }
    before->stop();
  }
  auto after =
      run({plugin_instance("similarity", "similarity", {{"min_cases", 3}, {"min_customers", 2}})});
  after->start();
  // The proposal is made while the plugin is constructed, before the server serves.
  const json listed = after->domain().suggestions.list({{"kind", "problem"}}).to_json();
  after->stop();
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);
  REQUIRE(listed.at("items").size() == 1);
  CHECK(ids_of(listed.at("items")[0].at("case_ids")) == leaks);
}

}  // namespace cxloop::testing

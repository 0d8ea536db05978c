// The similarity plugin loaded by a real in-process server: cases come in through the REST
// API, the plugin sees them as events and proposes through the kernel's suggestion
// operations, and an agent accepts or dismisses through the REST API.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <soci/soci.h>
#include <nlohmann/json.hpp>

#include "channel_server.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/plugin_host.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "repository/database.hpp"
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

config::PluginInstanceConfig analytics_instance() {
  return plugin_instance("similarity", "similarity", {{"min_cases", 3}, {"min_customers", 2}});
}

// A data directory that outlives the servers started on it.
class DataDirectory {
 public:
  DataDirectory()
      : path_(std::filesystem::temp_directory_path() /
              ("cxloop-similarity-rebuild-" + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(path_);
  }
  ~DataDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::unique_ptr<app::Server> run(std::vector<config::PluginInstanceConfig> plugins) const {
    config::Config settings;
    settings.http.port = 0;
    settings.storage.url = "sqlite:" + (path_ / "cxloop.db").string();
    settings.data_dir = path_.string();
    settings.logging.level = "warning";
    settings.plugin_dirs = {std::string(std::getenv("CXLOOP_BUILD_DIR")) + "/plugins"};
    settings.plugins = std::move(plugins);
    return std::make_unique<app::Server>(settings);
  }

 private:
  std::filesystem::path path_;
};

std::int64_t intake(app::Server& server, const std::string& email, const std::string& body) {
  const workflow::Actor agent{"user:test", "agent"};
  return server.domain()
      .cases
      .intake({{"channel", "email"},
               {"customer", {{"email", email}}},
               {"subject", "Leak"},
               {"body", body}},
              agent)
      .at("case")
      .at("id")
      .get<std::int64_t>();
}

// Enough stored cases that the rebuild is still running when a test acts right after the
// start (about a second on an idle machine). One customer wrote them all, so they form no
// proposal (min_customers 2).
constexpr int kHistoryCases = 20000;

// count cases written straight into the database over the last ten days, plus the one
// intake that creates their customer.
void store_history(app::Server& server, int count) {
  const std::int64_t customer = server.domain()
                                    .cases
                                    .intake({{"channel", "email"},
                                             {"customer", {{"email", "history@example.test"}}},
                                             {"subject", "Order"},
                                             {"body", "where is my order"}},
                                            {"user:test", "agent"})
                                    .at("case")
                                    .at("customer_id")
                                    .get<std::int64_t>();
  const std::vector<std::string> topics = {"invoice", "delivery", "password", "address",
                                           "refund",  "voucher",  "account",  "newsletter"};
  const auto first = std::chrono::system_clock::now() - std::chrono::hours(24 * 10);
  std::vector<std::string> subjects, descriptions, times;
  for (int i = 0; i < count; ++i) {
    const std::string topic = topics[static_cast<std::size_t>(i) % topics.size()];
    subjects.push_back("Question about my " + topic);
    descriptions.push_back("I have a question about my " + topic + " number " +
                           std::to_string(i % 997) + " from " + topics[(i / 8) % topics.size()]);
    const std::time_t at =
        std::chrono::system_clock::to_time_t(first + std::chrono::seconds(i * 40));
    std::tm parts{};
    gmtime_r(&at, &parts);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000000Z", &parts);
    times.push_back(text);
  }
  std::vector<long long> customers(static_cast<std::size_t>(count), customer);
  server.database().write([&](soci::session& session) {
    session << "INSERT INTO cases (customer_id, channel, subject, description, created_at, "
               "updated_at) VALUES (:customer, 'email', :subject, :description, :created, "
               ":updated)",
        soci::use(customers), soci::use(subjects), soci::use(descriptions), soci::use(times),
        soci::use(times);
  });
}

// A gauge's value in the server's metrics (the first series of that name), or -1.
double gauge(app::Server& server, const std::string& name) {
  std::istringstream text(server.metrics().render());
  for (std::string line; std::getline(text, line);) {
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) {
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return -1;
}

bool index_ready(app::Server& server) {
  return gauge(server, "cxloop_plugin_analytics_index_ready") == 1;
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
    "At start-up the plugin rebuilds its index from the stored cases in the background and "
    "proposes what is ready") {
  DataDirectory data;
  std::vector<std::int64_t> leaks;
  {
    // Cases arrive while no analytics plugin runs.
    auto before = data.run({});
    before->start();
    const std::vector<std::string> texts = {"The kettle leaks water from the base",
                                            "kettle leaking water from the base",
                                            "water leaks from the base of my kettle"};
    for (std::size_t i = 0; i < texts.size(); ++i) {
      leaks.push_back(intake(*before, "r" + std::to_string(i) + "@example.test", texts[i]));
    }
    before->stop();
  }
  auto after = data.run({analytics_instance()});
  after->start();
  REQUIRE(wait_until([&] { return index_ready(*after); }));
  const json listed = after->domain().suggestions.list({{"kind", "problem"}}).to_json();
  CHECK(gauge(*after, "cxloop_plugin_analytics_index_cases") == 3);
  after->stop();
  REQUIRE(listed.at("items").size() == 1);
  CHECK(ids_of(listed.at("items")[0].at("case_ids")) == leaks);
}

TEST_CASE(
    "Cases that arrive while the index is being rebuilt are matched once it is ready, "
    "each once") {
  DataDirectory data;
  {
    auto before = data.run({});
    before->start();
    store_history(*before, kHistoryCases);
    before->stop();
  }
  auto server = data.run({analytics_instance()});
  server->start();
  // The server serves during the rebuild: these cases are taken while it runs.
  std::vector<std::int64_t> leaks;
  const std::vector<std::string> texts = {"The kettle leaks water from the base",
                                          "kettle leaking water from the base",
                                          "water leaks from the base of my kettle"};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    leaks.push_back(intake(*server, "live" + std::to_string(i) + "@example.test", texts[i]));
  }
  if (index_ready(*server)) WARN("the rebuild ended before the cases arrived");
  REQUIRE(wait_until([&] { return index_ready(*server); }, std::chrono::seconds(120)));
  json proposal;
  REQUIRE(wait_until([&] {
    const json items =
        server->domain().suggestions.list({{"kind", "problem"}}).to_json().at("items");
    if (items.size() != 1) return false;
    proposal = items[0];
    return true;
  }));
  CHECK(ids_of(proposal.at("case_ids")) == leaks);
  CHECK(proposal.at("evidence").at("scores").size() == 3);
  CHECK(gauge(*server, "cxloop_plugin_analytics_index_cases") == kHistoryCases + 1 + 3);
  CHECK(gauge(*server, "cxloop_plugin_analytics_cases_indexed_total") == 3);

  // After the rebuild, a new case joins the same cluster live.
  leaks.push_back(intake(*server, "live3@example.test", "my kettle leaks from the base"));
  CHECK(wait_until([&] {
    const json items =
        server->domain().suggestions.list({{"kind", "problem"}}).to_json().at("items");
    return items.size() == 1 && ids_of(items[0].at("case_ids")) == leaks;
  }));
  server->stop();
}

TEST_CASE(
    "Stopping the server during the rebuild ends it cleanly, and the match operation asks to "
    "wait meanwhile") {
  DataDirectory data;
  {
    auto before = data.run({});
    before->start();
    store_history(*before, kHistoryCases);
    before->stop();
  }
  {
    auto server = data.run({analytics_instance()});
    server->start();
    auto* instance = server->plugins().find("similarity");
    REQUIRE(instance != nullptr);
    try {
      instance->invoke("match", json{{"case_id", 1}});
      WARN("the rebuild ended before the match was asked");
    } catch (const plugin_host::PluginCallError& e) {
      CHECK(e.status() == CXLOOP_ERR_UNAVAILABLE);
      CHECK(std::string(e.what()).find("still being rebuilt") != std::string::npos);
    }
    if (index_ready(*server)) WARN("the rebuild ended before the stop");
    server->stop();  // joins the rebuild thread; a rebuild that did not stop would hang here
    CHECK(gauge(*server, "cxloop_plugin_analytics_index_ready") == 0);
  }
  // The next start rebuilds in full.
  auto again = data.run({analytics_instance()});
  again->start();
  CHECK(wait_until([&] { return index_ready(*again); }, std::chrono::seconds(120)));
  CHECK(gauge(*again, "cxloop_plugin_analytics_index_cases") == kHistoryCases + 1);
  again->stop();
}

}  // namespace cxloop::testing

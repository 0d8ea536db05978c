// A campaign through the real cxloopd binary, killed in the middle: a few hundred customers
// imported with cxloopctl, the email notifier limited to 50 mails a second so the campaign
// takes seconds, SIGKILL once part of the mail went out, a restart, and then every in-scope
// customer has exactly one message in their Maildir and nobody out of scope has any.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "cxloop_processes.hpp"
#include "test_mail.hpp"

using cxloop::testing::call;
using cxloop::testing::Child;
using cxloop::testing::eventually;
using cxloop::testing::TempDir;
using nlohmann::json;

namespace {

constexpr int kInScope = 300;
constexpr int kOutOfScope = 20;

// The Message-IDs of the campaign mails delivered to an address.
std::vector<std::string> message_ids(const std::string& address) {
  std::vector<std::string> ids;
  for (const auto& raw : cxloop::testing::delivered_messages(address)) {
    const auto at = raw.find("\nMessage-ID: ");
    if (at == std::string::npos) continue;
    ids.push_back(raw.substr(at + 13, raw.find('\r', at) - at - 13));
  }
  return ids;
}

std::size_t delivered_to(const std::vector<std::string>& addresses) {
  std::size_t n = 0;
  for (const auto& address : addresses) n += cxloop::testing::delivered_messages(address).size();
  return n;
}

std::string config_text(const TempDir& dir) {
  const auto& mail = cxloop::testing::mail_servers();
  json config = {
      {"data_dir", dir.path + "/data"},
      {"http", {{"port", 0}, {"threads", 4}}},
      {"storage", {{"url", "sqlite:" + dir.path + "/data/cxloop.db"}}},
      {"workers", {{"outbox_poll_ms", 50}, {"timer_interval_ms", 200}}},
      {"console", {{"enabled", false}}},
      {"campaigns",
       {{"public_base_url", "http://cxloop.test"}, {"rate_limits", {{"notify-email", 50}}}}},
      {"plugins",
       {{"instances",
         {{"notify-email",
           {{"plugin", "email_notifier"},
            {"required", true},
            {"settings",
             {{"address", "service@" + mail.mail_domain},
              {"smtp",
               {{"host", mail.host}, {"port", mail.smtp_port}, {"starttls", false}}}}}}}}}}}};
  return config.dump(2);
}

}  // namespace

TEST_CASE(
    "a campaign killed midway resumes after a restart: every customer gets one mail, nobody two") {
  TempDir dir;
  const std::string config = dir.file("cxloop.json", config_text(dir));
  std::vector<std::string> in_scope, out_of_scope;
  {
    std::ofstream customers(dir.path + "/customers.jsonl"), assets(dir.path + "/assets.jsonl");
    for (int i = 0; i < kInScope + kOutOfScope; ++i) {
      const bool inside = i < kInScope;
      const std::string address =
          cxloop::testing::unique_mailbox(inside ? "crash-in" : "crash-out");
      (inside ? in_scope : out_of_scope).push_back(address);
      customers << json{{"name", "Customer " + std::to_string(i)}, {"email", address}}.dump()
                << "\n";
      assets << json{{"customer_email", address}, {"sku", "KET-1"}, {"batch", inside ? "B7" : "B1"}}
                    .dump()
             << "\n";
    }
  }
  REQUIRE(cxloop::testing::cxloopctl(config, {"migrate"}) == 0);
  std::string imported;
  REQUIRE(cxloop::testing::cxloopctl(config, {"import", "customers", dir.path + "/customers.jsonl"},
                                     &imported) == 0);
  REQUIRE(cxloop::testing::cxloopctl(config, {"import", "assets", dir.path + "/assets.jsonl"},
                                     &imported) == 0);
  const std::string token = cxloop::testing::create_token(config, "admin");

  std::unique_ptr<Child> server;
  int port = cxloop::testing::start_cxloopd(server, config);
  auto post = [&](const std::string& path, const json& body) {
    auto reply = call(port, "POST", path, token, body.is_null() ? "" : body.dump());
    INFO(path << " answered " << reply.status << ": " << reply.body);
    REQUIRE(reply.status < 300);
    return reply.document();
  };
  const json problem =
      post("/api/v1/problems", {{"title", "Kettle lids crack"},
                                {"category", "product_quality"},
                                {"scope", {{"skus", {"KET-1"}}, {"batches", {"B7"}}}},
                                {"advisory", true}});
  const std::string problem_path =
      "/api/v1/problems/" + std::to_string(problem.at("id").get<int>());
  post(problem_path + "/transition", {{"state", "investigating"}});
  REQUIRE(call(port, "PUT", problem_path + "/solution", token,
               json{{"type", "recall"},
                    {"summary", "Replacement lids"},
                    {"customer_message", "A replacement lid is on its way to you."}}
                   .dump())
              .status == 200);
  const json department = post("/api/v1/departments", {{"name", "Kettle plant"}});
  const json task = post(problem_path + "/tasks", {{"department_id", department.at("id")},
                                                   {"title", "New lid mould"},
                                                   {"due_at", "2099-01-01"}});
  post("/api/v1/tasks/" + task.at("number").get<std::string>() + "/transition",
       {{"state", "done"}});
  REQUIRE(post(problem_path + "/solution/agree", nullptr).at("state") == "fix_delivered");

  // Crash once some of the mail went out, well before all of it (50 a second).
  REQUIRE(eventually([&] { return delivered_to(in_scope) >= 60; }, std::chrono::seconds(30)));
  server->signal(SIGKILL);
  REQUIRE(server->wait_exit(std::chrono::seconds(10)).has_value());
  const std::size_t before_restart = delivered_to(in_scope);
  CHECK(before_restart < static_cast<std::size_t>(kInScope));

  port = cxloop::testing::start_cxloopd(server, config);
  // The restarted server takes back what the killed one held (release_orphaned_claims) and
  // sends the rest: the campaign completes with every in-scope customer told.
  auto campaign = [&] { return call(port, "GET", problem_path + "/campaign", token).document(); };
  json last;
  const bool completed = eventually(
      [&] {
        last = campaign();
        return last.value("state", "") == "completed";
      },
      std::chrono::seconds(60));
  INFO("campaign: " << last.dump());
  INFO(server->output());
  REQUIRE(completed);
  CHECK(last.at("counts").at("by_state").value("sent", 0) == kInScope);
  CHECK(call(port, "GET", "/api/v1/outbox?state=inflight&target=notify-email", token)
            .document()
            .at("items")
            .empty());

  // One message per customer. A mail the killed server handed to SMTP in the instant before
  // it could record it is sent again after the restart with the same Message-ID (the
  // receiving side sees one message resent, not a second message); two different messages
  // for one customer would be a real duplicate.
  std::size_t told = 0, twice = 0, missing = 0;
  for (const auto& address : in_scope) {
    const auto ids = message_ids(address);
    const std::set<std::string> distinct(ids.begin(), ids.end());
    twice += distinct.size() > 1;
    told += distinct.size() == 1;
    missing += distinct.empty();
  }
  CHECK(twice == 0);
  CHECK(missing == 0);
  CHECK(told == static_cast<std::size_t>(kInScope));
  CHECK(delivered_to(out_of_scope) == 0);

  server->signal(SIGTERM);
  CHECK(server->wait_exit(std::chrono::seconds(30)) == 0);
}

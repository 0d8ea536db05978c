// A small world for campaign tests in one in-process server: the real email and SMS channels
// (so reporters' cases carry a medium), the real notifiers (email_notifier into the mail
// fixture's SMTP server, sms_notifier into a gateway receiver the test runs, web_notice, ivr,
// postcard into a scratch folder), customers in and out of a problem's scope, reporters'
// cases linked to the problem, and ways to count what reached each receiver.
#pragma once

#include <Poco/URI.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "channel_server.hpp"
#include "gateway_receiver.hpp"
#include "repository/outbox.hpp"
#include "test_mail.hpp"

namespace cxloop::testing {

inline constexpr const char* kCustomerMessage = "A replacement lid is on its way to you.";

// The To numbers of the form-encoded gateway requests, one per message.
inline std::vector<std::string> texted_numbers(const std::vector<GatewayRequest>& requests) {
  std::vector<std::string> numbers;
  for (const auto& request : requests) {
    std::istringstream fields(request.body);
    std::string field;
    while (std::getline(fields, field, '&')) {
      if (field.rfind("To=", 0) != 0) continue;
      std::string value = field.substr(3);
      for (auto& c : value) c = c == '+' ? ' ' : c;
      std::string decoded;
      Poco::URI::decode(value, decoded);
      numbers.push_back(decoded);
    }
  }
  return numbers;
}

inline std::size_t count_of(const std::vector<std::string>& values, const std::string& value) {
  return static_cast<std::size_t>(std::count(values.begin(), values.end(), value));
}

// Campaign mails (the notifier's, not the email channel's) delivered to an address.
inline std::vector<std::string> campaign_mails(const std::string& address) {
  std::vector<std::string> out;
  for (auto& raw : delivered_messages(address)) {
    if (raw.find("X-Cxloop-Notification-Kind:") != std::string::npos) out.push_back(raw);
  }
  return out;
}

// The acknowledgement token of a delivered mail (quoted-printable soft breaks undone).
inline std::string acknowledge_token(std::string raw) {
  for (std::size_t at; (at = raw.find("=\r\n")) != std::string::npos;) raw.erase(at, 3);
  std::smatch match;
  if (!std::regex_search(raw, match, std::regex("/public/notifications/([A-Za-z0-9_-]+)/ack")))
    return "";
  return match[1].str();
}

struct WorldOptions {
  std::chrono::milliseconds timer_interval{200};
  bool sms_gateway_up = true;
};

class CampaignWorld {
 public:
  using json = nlohmann::json;

  explicit CampaignWorld(WorldOptions options = {})
      : postcards_(std::filesystem::temp_directory_path() /
                   ("cxloop-postcards-" + std::to_string(::getpid()) + "-" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))) {
    notifier_gateway_.emplace();
    gateway_port_ = notifier_gateway_->port();
    if (!options.sms_gateway_up) notifier_gateway_.reset();
    const auto& mail = mail_servers();
    const json smtp = {{"host", mail.host}, {"port", mail.smtp_port}, {"starttls", false}};
    const json gateway = {{"account", "acct"},
                          {"secret", "gateway-secret-0123456789"},
                          {"from_number", "+15550000000"}};
    json channel_sms = gateway;
    channel_sms["gateway_url"] = channel_gateway_.url();
    channel_sms["webhook_secret"] = "sms-webhook-secret-0123456789";
    json notifier_sms = gateway;
    notifier_sms["gateway_url"] =
        "http://127.0.0.1:" + std::to_string(gateway_port_) + "/v1/messages";
    server_ = std::make_unique<ChannelServer>(
        std::vector<config::PluginInstanceConfig>{
            plugin_instance("email", "email",
                            {{"address", "support@" + mail.mail_domain},
                             {"mailgate", {{"enabled", false}}},
                             {"smtp", smtp},
                             {"pop3", {{"enabled", false}}}}),
            plugin_instance("sms", "sms", channel_sms),
            plugin_instance("notify-email", "email_notifier",
                            {{"address", "service@" + mail.mail_domain}, {"smtp", smtp}}),
            plugin_instance("notify-sms", "sms_notifier", notifier_sms),
            plugin_instance("notices", "web_notice", json::object()),
            plugin_instance("ivr", "ivr", json::object()),
            plugin_instance("postcards", "postcard",
                            {{"directory", postcards_.string()}, {"create_directory", true}})},
        [&](config::Config& config) {
          config.campaigns.public_base_url = "http://cxloop.test";
          config.workers.timer_interval = options.timer_interval;
          config.workers.event_threads = 2;
          config.console.enabled = false;
        });
  }
  ~CampaignWorld() {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(postcards_, ignored);
  }

  ChannelServer& server() { return *server_; }
  std::int64_t id_of(const json& document) { return document.at("id").get<std::int64_t>(); }

  // A customer (fields as POST /api/v1/customers) owning one KET-1 kettle of batch.
  std::int64_t customer(json fields, const std::string& batch) {
    const auto id = id_of(server_->api_json("POST", "/api/v1/customers", fields));
    server_->api_json("POST", "/api/v1/assets",
                      {{"customer_id", id}, {"sku", "KET-1"}, {"batch", batch}});
    return id;
  }
  std::string mailbox(const std::string& label) { return unique_mailbox("campaign-" + label); }

  // The standard cast. Reporters: ann (email case, in scope), bob (SMS case, in scope), ray
  // (email case, asset out of scope: reporters are told whatever their batch). Install base
  // that never contacted: cat (prefers SMS), gil (email), fay and gwen (postcards), all in
  // scope; dan (opted out of advisories) and hal (opted out of everything) in scope; eve out
  // of scope.
  void populate() {
    ann_mail = mailbox("ann");
    ray_mail = mailbox("ray");
    gil_mail = mailbox("gil");
    dan_mail = mailbox("dan");
    hal_mail = mailbox("hal");
    eve_mail = mailbox("eve");
    cat_mail = mailbox("cat");
    ann = customer({{"name", "Ann"}, {"email", ann_mail}}, "B7");
    bob = customer({{"name", "Bob"}, {"phone", bob_phone}}, "B7");
    ray = customer(
        {{"name", "Ray"}, {"email", ray_mail}, {"phone", ray_phone}, {"preferred_channel", "sms"}},
        "B1");
    cat = customer(
        {{"name", "Cat"}, {"email", cat_mail}, {"phone", cat_phone}, {"preferred_channel", "sms"}},
        "B7");
    gil = customer({{"name", "Gil"}, {"email", gil_mail}}, "B7");
    fay = customer({{"name", "Fay"},
                    {"phone", fay_phone},
                    {"preferred_channel", "postcard"},
                    {"attributes", {{"postal_address", {"1 Mill Lane", "Leeds LS1 1AA"}}}}},
                   "B7");
    gwen = customer({{"name", "Gwen"},
                     {"email", mailbox("gwen")},
                     {"preferred_channel", "postcard"},
                     {"attributes", {{"postal_address", {"2 Quay Street", "Hull HU1 1AA"}}}}},
                    "B7");
    dan = customer({{"name", "Dan"}, {"email", dan_mail}, {"opt_outs", {"advisory"}}}, "B7");
    hal = customer(
        {{"name", "Hal"}, {"email", hal_mail}, {"phone", hal_phone}, {"opt_outs", {"all"}}}, "B7");
    eve = customer({{"name", "Eve"}, {"email", eve_mail}, {"phone", eve_phone}}, "B1");

    problem = id_of(server_->api_json("POST", "/api/v1/problems",
                                      {{"title", "Kettle lids crack"},
                                       {"category", "product_quality"},
                                       {"scope", {{"skus", {"KET-1"}}, {"batches", {"B7"}}}},
                                       {"advisory", true}}));
    problem_path = "/api/v1/problems/" + std::to_string(problem);
    server_->api_json("POST", problem_path + "/transition", {{"state", "investigating"}});
    for (auto [who, channel] :
         {std::pair{ann, "email"}, std::pair{bob, "sms"}, std::pair{ray, "email"}}) {
      const auto c = id_of(server_->api_json("POST", "/api/v1/cases",
                                             {{"channel", channel},
                                              {"customer_id", who},
                                              {"subject", "Lid cracked"},
                                              {"body", "The lid of my kettle cracked."}}));
      server_->api_json("POST", problem_path + "/cases", {{"case_id", c}});
      cases.push_back(c);
    }
    server_->api_json("PUT", problem_path + "/solution",
                      {{"type", "recall"},
                       {"summary", "Replacement lids"},
                       {"customer_message", kCustomerMessage}});
  }

  // Routes a task to the kettle plant, which finishes it; agreeing the solution then
  // delivers the fix (the campaign starts on that event).
  void deliver_fix() {
    // Departments are an administrator's setup; the rest is an agent's work.
    const auto department = server_->server().domain().departments.create(
        {{"name", "Kettle plant"}}, {"token:admin", "admin"});
    const auto task = server_->api_json("POST", problem_path + "/tasks",
                                        {{"department_id", department.at("id")},
                                         {"title", "New lid mould"},
                                         {"due_at", "2099-01-01"}});
    server_->api_json("POST",
                      "/api/v1/tasks/" + task.at("number").get<std::string>() + "/transition",
                      {{"state", "done"}});
    const auto agreed = server_->api_json("POST", problem_path + "/solution/agree");
    if (agreed.at("state") != "fix_delivered")
      throw std::runtime_error("agreeing the solution left the problem " + agreed.dump());
  }

  json campaign() { return server_->api_json("GET", problem_path + "/campaign"); }
  bool campaign_completed() {
    auto answer = server_->api("GET", problem_path + "/campaign");
    return answer.status == 200 && answer.json().at("state") == "completed";
  }
  json notifications() {
    return server_->api_json("GET", problem_path + "/notifications?limit=200");
  }
  std::vector<std::string> notifier_texts() {
    return notifier_gateway_ ? texted_numbers(notifier_gateway_->requests())
                             : std::vector<std::string>{};
  }
  std::vector<repository::OutboxItem> outbox(const std::string& target) {
    return server_->server().outbox().list({"", target, 0, 500});
  }
  void stop_sms_gateway() { notifier_gateway_.reset(); }
  void start_sms_gateway() { notifier_gateway_.emplace(gateway_port_); }
  std::filesystem::path postcards() const { return postcards_; }

  std::int64_t ann = 0, bob = 0, ray = 0, cat = 0, gil = 0, fay = 0, gwen = 0, dan = 0, hal = 0,
               eve = 0, problem = 0;
  std::string ann_mail, ray_mail, gil_mail, dan_mail, hal_mail, eve_mail, cat_mail;
  const std::string bob_phone = "+15550100001", ray_phone = "+15550100002",
                    cat_phone = "+15550100003", hal_phone = "+15550100004",
                    eve_phone = "+15550100005", fay_phone = "+15550100006";
  std::string problem_path;
  std::vector<std::int64_t> cases;

 private:
  std::filesystem::path postcards_;
  GatewayReceiver channel_gateway_;
  std::optional<GatewayReceiver> notifier_gateway_;
  std::uint16_t gateway_port_ = 0;
  std::unique_ptr<ChannelServer> server_;
};

}  // namespace cxloop::testing

// The campaign loop in one real server with the real channel and notifier plugins: delivering
// a fix tells every reporter once on the medium of their case, warns the in-scope customers
// once on their preferred medium, and leaves everybody else alone (counted at the mail
// fixture's SMTP server, the SMS gateway receiver, the notice and IVR feeds and the print
// file); a paused campaign sends nothing; a gateway that is down gets the texts once it is up.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>

#include "campaign_world.hpp"
#include "events/event_bus.hpp"

using cxloop::testing::campaign_mails;
using cxloop::testing::CampaignWorld;
using cxloop::testing::count_of;
using cxloop::testing::kCustomerMessage;
using cxloop::testing::wait_until;
using nlohmann::json;

namespace {

json notification_of(const json& notifications, std::int64_t customer, const std::string& kind) {
  for (const auto& n : notifications.at("items")) {
    if (n.at("customer_id") == customer && n.at("kind") == kind) return n;
  }
  return nullptr;
}

std::size_t mails_of_kind(const std::string& address, const std::string& kind) {
  std::size_t n = 0;
  for (const auto& raw : campaign_mails(address)) {
    n += raw.find("X-Cxloop-Notification-Kind: " + kind) != std::string::npos;
  }
  return n;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first field of each RFC 4180 record (line breaks inside quoted fields are data).
std::vector<std::string> first_fields(const std::string& csv) {
  std::vector<std::string> out(1);
  bool quoted = false, first = true;
  for (char c : csv) {
    if (c == '"') quoted = !quoted;
    if (quoted) {
      if (first && c != '"') out.back() += c;
      continue;
    }
    if (c == '\n') {
      out.emplace_back();
      first = true;
    } else if (c == ',') {
      first = false;
    } else if (first && c != '\r' && c != '"') {
      out.back() += c;
    }
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

// Keeps every event worker of the server busy until released, so that a campaign started
// meanwhile has no audience yet (the audience is written on an event thread).
class EventWorkersHeld {
 public:
  EventWorkersHeld(cxloop::events::EventBus& bus, int workers) : state_(std::make_shared<State>()) {
    // The handlers share the state, so they may leave after this object is gone.
    for (int i = 0; i < workers; ++i) {
      bus.subscribe("test:hold-" + std::to_string(i), "test.hold",
                    [state = state_](const cxloop::events::Event&) {
                      std::unique_lock<std::mutex> lock(state->mutex);
                      ++state->held;
                      state->changed.notify_all();
                      state->changed.wait(lock, [&] { return state->released; });
                    });
    }
    cxloop::events::Event event;
    event.type = "test.hold";
    event.subject = "test:1";
    bus.publish(event);
    std::unique_lock<std::mutex> lock(state_->mutex);
    if (!state_->changed.wait_for(lock, std::chrono::seconds(10),
                                  [&] { return state_->held == workers; }))
      throw std::runtime_error("the event workers were not all held within 10 s");
  }
  void release() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->released = true;
    state_->changed.notify_all();
  }
  ~EventWorkersHeld() { release(); }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    int held = 0;
    bool released = false;
  };
  std::shared_ptr<State> state_;
};

}  // namespace

TEST_CASE(
    "delivering a fix tells every reporter once, warns in-scope customers once on their medium, "
    "and nobody else") {
  CampaignWorld world;
  world.populate();
  auto& server = world.server();
  world.deliver_fix();
  REQUIRE(wait_until([&] { return world.campaign_completed(); }, std::chrono::seconds(30)));

  // Reporters: once each, on the medium of their case (Ray prefers SMS but wrote by mail).
  CHECK(mails_of_kind(world.ann_mail, "resolution") == 1);
  CHECK(mails_of_kind(world.ray_mail, "resolution") == 1);
  CHECK(campaign_mails(world.ann_mail).size() == 1);
  CHECK(campaign_mails(world.ray_mail).size() == 1);
  const auto texts = world.notifier_texts();
  CHECK(count_of(texts, world.bob_phone) == 1);
  CHECK(count_of(texts, world.ray_phone) == 0);
  // In scope, never contacted: one advisory on the preferred medium.
  CHECK(count_of(texts, world.cat_phone) == 1);
  CHECK(campaign_mails(world.cat_mail).empty());
  CHECK(mails_of_kind(world.gil_mail, "advisory") == 1);
  CHECK(campaign_mails(world.gil_mail).size() == 1);
  // Opted out (of advisories, of everything) and out of scope: nothing anywhere.
  for (const auto& address : {world.dan_mail, world.hal_mail, world.eve_mail})
    CHECK(campaign_mails(address).empty());
  CHECK(count_of(texts, world.hal_phone) == 0);
  CHECK(count_of(texts, world.eve_phone) == 0);
  CHECK(count_of(texts, world.fay_phone) == 0);  // Fay prefers a postcard
  CHECK(texts.size() == 2);

  // The reporters' cases are resolved with the message on their threads.
  for (const auto id : world.cases) {
    const auto c = server.api_json("GET", "/api/v1/cases/" + std::to_string(id));
    CHECK(c.at("state") == "resolved");
    bool told = false;
    for (const auto& m : server.messages(id))
      told |= m.at("direction") == "outbound" &&
              m.at("body").get<std::string>().find(kCustomerMessage) != std::string::npos;
    CHECK(told);
  }

  // The notification list agrees with what arrived.
  const json notifications = world.notifications();
  INFO(notifications.dump());
  CHECK(notifications.at("items").size() == 7);  // 3 resolutions, 4 advisories
  CHECK(notifications.at("counts").value("sent", 0) +
            notifications.at("counts").value("delivered", 0) ==
        7);
  CHECK(notification_of(notifications, world.ann, "resolution").at("channel") == "notify-email");
  CHECK(notification_of(notifications, world.bob, "resolution").at("channel") == "notify-sms");
  CHECK(notification_of(notifications, world.ray, "resolution").at("channel") == "notify-email");
  CHECK(notification_of(notifications, world.cat, "advisory").at("channel") == "notify-sms");
  CHECK(notification_of(notifications, world.gil, "advisory").at("channel") == "notify-email");
  CHECK(notification_of(notifications, world.fay, "advisory").at("channel") == "postcards");
  CHECK(notification_of(notifications, world.gwen, "advisory").at("channel") == "postcards");
  for (const auto who : {world.dan, world.hal, world.eve}) {
    CHECK(notification_of(notifications, who, "advisory").is_null());
    CHECK(notification_of(notifications, who, "resolution").is_null());
  }

  // The website's notice feed shows the advisory for the product.
  const auto feed = server.request("GET", "/public/notices?product=KET-1");
  REQUIRE(feed.status == 200);
  REQUIRE(feed.json().at("notices").size() == 1);
  CHECK(feed.json().at("notices")[0].at("title") == "Kettle lids crack");
  CHECK(server.request("GET", "/public/notices?product=TOASTER-2").json().at("notices").empty());

  // The phone line greets an in-scope caller and not an out-of-scope one.
  CHECK(server.request("GET", "/public/ivr/announcement?caller=%2B15550100003")
            .json()
            .at("announce") == true);
  CHECK(server.request("GET", "/public/ivr/announcement?caller=%2B15550100005")
            .json()
            .at("announce") == false);

  // The print file holds exactly the postcard customers.
  const auto campaign_id = world.campaign().at("id").get<std::int64_t>();
  const auto print = world.postcards() / ("campaign-" + std::to_string(campaign_id) + ".csv");
  // The batch is closed by the outbox once the campaign completed.
  REQUIRE(wait_until([&] { return std::filesystem::exists(print); }, std::chrono::seconds(10)));
  const std::string csv = read_file(print);
  INFO(csv);
  CHECK(first_fields(csv) == std::vector<std::string>{"name", "Fay", "Gwen"});
  CHECK(csv.find("Fay,1 Mill Lane,Leeds LS1 1AA,") != std::string::npos);
  CHECK(csv.find("Gwen,2 Quay Street,Hull HU1 1AA,") != std::string::npos);

  // The acknowledgement link in Ann's mail acknowledges her notification.
  const std::string token =
      cxloop::testing::acknowledge_token(campaign_mails(world.ann_mail).at(0));
  REQUIRE(!token.empty());
  const auto ack = server.request("GET", "/public/notifications/" + token + "/ack");
  INFO(ack.body);
  CHECK(ack.status == 200);
  CHECK(notification_of(world.notifications(), world.ann, "resolution").at("state") ==
        "acknowledged");
  CHECK(server.request("GET", "/public/notifications/" + std::string(32, 'x') + "/ack").status ==
        404);
}

TEST_CASE("a paused campaign sends nothing until it is resumed, then everything once") {
  // No timer: the audience is written only by the event thread the test holds.
  CampaignWorld world({std::chrono::hours(1), true});
  world.populate();
  auto& server = world.server();
  {
    EventWorkersHeld held(server.server().events(), server.server().config().workers.event_threads);
    // The campaign would start on the fix_delivered event, which waits; start it by hand.
    world.deliver_fix();
    const auto started = server.api("POST", world.problem_path + "/campaign");
    REQUIRE(started.status == 202);
    CHECK(server.api_json("POST", world.problem_path + "/campaign/pause").at("state") == "paused");
    CHECK(world.notifications().at("items").empty());
    held.release();
  }
  // The audience is written while paused, and its items wait in the outbox.
  REQUIRE(wait_until([&] { return world.notifications().at("items").size() == 7; },
                     std::chrono::seconds(20)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(world.notifier_texts().empty());
    REQUIRE(campaign_mails(world.ann_mail).empty());
    REQUIRE(campaign_mails(world.gil_mail).empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling, not asserting
  }
  for (const auto& item : world.outbox("notify-email")) CHECK(item.state == "pending");
  CHECK(world.notifications().at("counts").value("pending", 0) == 7);

  server.api_json("POST", world.problem_path + "/campaign/resume");
  REQUIRE(wait_until([&] { return world.notifications().at("counts").value("pending", 0) == 0; },
                     std::chrono::seconds(20)));
  cxloop::testing::wait_for_messages(world.gil_mail, 1);
  CHECK(campaign_mails(world.ann_mail).size() == 1);
  CHECK(campaign_mails(world.ray_mail).size() == 1);
  CHECK(campaign_mails(world.gil_mail).size() == 1);
  const auto texts = world.notifier_texts();
  CHECK(texts.size() == 2);
  CHECK(count_of(texts, world.bob_phone) == 1);
  CHECK(count_of(texts, world.cat_phone) == 1);
}

TEST_CASE("texts wait while the SMS gateway is down, are retried, and arrive once it is up") {
  CampaignWorld world({std::chrono::milliseconds(200), false});
  world.populate();
  world.deliver_fix();
  // The mails go out; the texts fail and are retried with backoff.
  cxloop::testing::wait_for_messages(world.gil_mail, 1);
  REQUIRE(wait_until(
      [&] {
        auto items = world.outbox("notify-sms");
        if (items.size() != 2) return false;
        for (const auto& item : items) {
          if (item.attempts < 2 || item.last_error.empty() || item.state == "done") return false;
        }
        return true;
      },
      std::chrono::seconds(20)));
  CHECK_FALSE(world.campaign_completed());
  const json waiting = world.notifications();
  CHECK(notification_of(waiting, world.bob, "resolution").at("state") == "pending");
  CHECK(notification_of(waiting, world.cat, "advisory").at("state") == "pending");

  world.start_sms_gateway();
  REQUIRE(wait_until([&] { return world.campaign_completed(); }, std::chrono::seconds(30)));
  const auto texts = world.notifier_texts();
  CHECK(texts.size() == 2);
  CHECK(count_of(texts, world.bob_phone) == 1);
  CHECK(count_of(texts, world.cat_phone) == 1);
  const json done = world.notifications();
  CHECK(notification_of(done, world.bob, "resolution").at("state") == "sent");
  CHECK(notification_of(done, world.cat, "advisory").at("state") == "sent");
  for (const auto& item : world.outbox("notify-sms")) CHECK(item.state == "done");
}

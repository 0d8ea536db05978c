#include "workflow_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "repository/outbox.hpp"
#include "workflow/message_templates.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

// A small world: reporters on email and SMS, an install base in and out of the scope, an
// opted-out and an unreachable customer, and notifiers for email, SMS, a notice board and a
// print house.
struct CampaignWorld {
  explicit CampaignWorld(WorkflowFixture& f) : f(f) {
    f.context.reply_channels = {{"email", "email"}, {"sms", "phone"}};
    f.context.notifiers = {{"mail", "email", false, false},
                           {"text", "sms", false, false},
                           {"board", "", true, false},
                           {"print", "postcard", false, true}};
    auto& customers = f.services.customers;
    auto& assets = f.services.assets;
    const auto customer = [&](const json& fields, bool in_scope) {
      auto id = customers.create(fields, f.agent).at("id").get<std::int64_t>();
      assets.create({{"customer_id", id}, {"sku", "KET-1"}, {"batch", in_scope ? "B7" : "B1"}},
                    f.agent);
      return id;
    };
    ann = customer({{"name", "Ann"}, {"email", "ann@example.com"}}, true);
    bob = customer({{"name", "Bob"}, {"phone", "+15550100001"}}, true);
    cat = customer({{"name", "Cat"},
                    {"email", "cat@example.com"},
                    {"phone", "+15550100002"},
                    {"preferred_channel", "sms"}},
                   true);
    dan =
        customer({{"name", "Dan"}, {"email", "dan@example.com"}, {"opt_outs", {"advisory"}}}, true);
    eve = customer({{"name", "Eve"}, {"email", "eve@example.com"}}, false);
    fay = customer({{"name", "Fay"},
                    {"phone", "+15550100003"},
                    {"preferred_channel", "postcard"},
                    {"attributes", {{"postal_address", {"1 Mill Lane", "Leeds"}}}}},
                   true);
    // Reachable only by e-mail, and opted out of it.
    gus = customer({{"name", "Gus"}, {"email", "gus@example.com"}, {"opt_outs", {"email"}}}, true);

    problem = f.problems()
                  .create({{"title", "Kettle lids crack"},
                           {"scope", {{"skus", {"KET-1"}}, {"batches", {"B7"}}}},
                           {"advisory", true}},
                          f.agent)
                  .at("id")
                  .get<std::int64_t>();
    f.problems().transition(problem, "investigating", std::nullopt, f.agent);
    for (auto [who, channel] : {std::pair{ann, "email"}, std::pair{bob, "sms"}}) {
      auto c = f.services.cases.intake({{"channel", channel},
                                        {"customer_id", who},
                                        {"subject", "Lid cracked"},
                                        {"body", "The lid cracked"}},
                                       f.agent);
      f.problems().link_case(problem, c.at("case").at("id").get<std::int64_t>(), false, f.agent);
    }
    f.services.solutions.put(problem,
                             {{"type", "recall"},
                              {"summary", "Replacement lids"},
                              {"customer_message", "A replacement lid is on its way."}},
                             std::nullopt, f.agent);
  }

  std::vector<json> notifications() {
    return f.services.campaigns.notifications(problem, {{"limit", "200"}})
        .at("items")
        .get<std::vector<json>>();
  }
  json notification_of(std::int64_t customer, const std::string& kind) {
    for (const auto& n : notifications()) {
      if (n.at("customer_id") == customer && n.at("kind") == kind) return n;
    }
    return nullptr;
  }
  std::vector<cxloop::repository::OutboxItem> outbox(const std::string& operation) {
    cxloop::repository::Outbox box(f.database.db());
    std::vector<cxloop::repository::OutboxItem> out;
    for (const auto& item : box.list({"", "", 0, 200})) {
      if (item.operation == operation) out.push_back(item);
    }
    return out;
  }

  WorkflowFixture& f;
  std::int64_t ann = 0, bob = 0, cat = 0, dan = 0, eve = 0, fay = 0, gus = 0, problem = 0;
};

}  // namespace

TEST_CASE(
    "a campaign tells each reporter on their case's medium and warns the in-scope customers once") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CampaignWorld w(f);
  auto started = f.services.campaigns.start(w.problem, json::object(), "fix_delivered", f.agent);
  CHECK(started.at("created") == true);
  CHECK(started.at("campaign").at("advisory") == true);
  const auto id = started.at("campaign").at("id").get<std::int64_t>();
  json audience = f.services.campaigns.run_audience(id);
  CHECK(audience.at("written") == 4);          // Ann, Bob (resolution); Cat, Fay (advisory)
  CHECK(audience.at("unreachable") == 1);      // Gus: no address at all
  CHECK(audience.at("skipped_opt_out") == 1);  // Dan

  CHECK(w.notification_of(w.ann, "resolution").at("channel") == "mail");
  CHECK(w.notification_of(w.bob, "resolution").at("channel") == "text");
  CHECK(w.notification_of(w.cat, "advisory").at("channel") == "text");  // preferred sms
  CHECK(w.notification_of(w.fay, "advisory").at("channel") == "print");
  CHECK(w.notification_of(w.gus, "advisory").at("state") == "failed");
  CHECK(w.notification_of(w.dan, "advisory").is_null());
  CHECK(w.notification_of(w.eve, "advisory").is_null());  // out of scope
  CHECK(w.notification_of(w.ann, "advisory").is_null());  // reporters are not warned again

  auto sends = w.outbox("send");
  REQUIRE(sends.size() == 4);
  json ann_payload;
  for (const auto& item : sends) {
    json payload = json::parse(item.payload_json);
    CHECK(payload.dump() == item.payload_json);  // the payload text is written as dump() would
    CHECK(payload.at("notification_id") ==
          w.notification_of(payload.at("recipient").at("customer_id").get<std::int64_t>(),
                            payload.at("kind").get<std::string>())
              .at("id"));
    if (payload.at("recipient").at("customer_id") == w.ann) ann_payload = payload;
  }
  REQUIRE(ann_payload.is_object());
  CHECK(ann_payload.at("recipient").at("email") == "ann@example.com");
  CHECK(ann_payload.at("text").get<std::string>().find("A replacement lid is on its way.") !=
        std::string::npos);
  CHECK(ann_payload.at("html").get<std::string>().find("<p>Hello Ann,</p>") != std::string::npos);
  CHECK(
      ann_payload.at("links").at("acknowledge").get<std::string>().find("/public/notifications/") !=
      std::string::npos);
  REQUIRE(w.outbox("publish").size() == 1);
  CHECK(w.outbox("publish")[0].target == "board");

  // A second pass, or a second start, writes nobody twice.
  f.services.campaigns.start(w.problem, json::object(), "manual", f.agent);
  CHECK(f.services.campaigns.start(w.problem, json::object(), "manual", f.agent).at("created") ==
        false);
  f.database.db().write(
      [&](soci::session& tx) { tx << "UPDATE campaigns SET audience_complete = 0"; });
  CHECK(f.services.campaigns.run_audience(id).at("written") == 0);
  CHECK(w.outbox("send").size() == 4);
  CHECK(w.notifications().size() == 5);
}

TEST_CASE(
    "an audience of several batches tells every in-scope customer once, each item naming its own "
    "notification") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CampaignWorld w(f);
  // 1,100 more in-scope customers (written directly: three batches of the audience's 500).
  constexpr int kMore = 1100;
  f.database.db().write([&](soci::session& tx) {
    for (int i = 0; i < kMore; ++i) {
      const std::string email = "bulk" + std::to_string(i) + "@example.com";
      tx << "INSERT INTO customers (name, email, created_at, updated_at) VALUES ('Bulk', :e, "
            "'2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z')",
          soci::use(email);
      tx << "INSERT INTO assets (customer_id, sku, batch, created_at) SELECT id, 'KET-1', 'B7', "
            "'2030-01-01T00:00:00Z' FROM customers WHERE email = :e",
          soci::use(email);
    }
  });
  const auto id = f.services.campaigns.start(w.problem, json::object(), "fix_delivered", f.agent)
                      .at("campaign")
                      .at("id")
                      .get<std::int64_t>();
  CHECK(f.services.campaigns.run_audience(id).at("written") == 4 + kMore);

  cxloop::repository::Outbox box(f.database.db());
  std::set<std::int64_t> customers;
  std::size_t sends = 0;
  for (std::int64_t before = 0;;) {
    const auto page = box.list({"", "", before, 500});
    if (page.empty()) break;
    before = page.back().id;
    for (const auto& item : page) {
      if (item.operation != "send") continue;
      ++sends;
      const json payload = json::parse(item.payload_json);
      const std::int64_t customer = payload.at("recipient").at("customer_id").get<std::int64_t>();
      customers.insert(customer);
      // The item's notification is the customer's own.
      json row;
      f.database.db().read([&](soci::session& session) {
        long long notification_customer = 0;
        const long long notification_id = payload.at("notification_id").get<long long>();
        session << "SELECT customer_id FROM notifications WHERE id = :id",
            soci::use(notification_id), soci::into(notification_customer);
        row = notification_customer;
      });
      CHECK(row == customer);
      CHECK(item.idempotency_key == "notification:" + std::to_string(w.problem) + ":" +
                                        std::to_string(customer) + ":" +
                                        payload.at("kind").get<std::string>());
    }
  }
  CHECK(sends == 4 + kMore);
  CHECK(customers.size() == 4 + kMore);

  // A pass after a crash writes nobody twice.
  f.database.db().write(
      [&](soci::session& tx) { tx << "UPDATE campaigns SET audience_complete = 0"; });
  CHECK(f.services.campaigns.run_audience(id).at("written") == 0);
  CHECK(box.counts() ==
        std::vector<std::pair<std::string, std::int64_t>>{{"pending", 4 + kMore + 1}});
}

TEST_CASE(
    "a sent resolution resolves the reporter's case with the message on its thread, and the "
    "campaign completes") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CampaignWorld w(f);
  auto id = f.services.campaigns.start(w.problem, {{"advisory", false}}, "manual", f.agent)
                .at("campaign")
                .at("id")
                .get<std::int64_t>();
  f.services.campaigns.run_audience(id);
  REQUIRE(w.notifications().size() == 2);
  json ann = w.notification_of(w.ann, "resolution");
  f.services.campaigns.record_sent(ann.at("id").get<std::int64_t>(), {{"external_ref", "<m1@x>"}},
                                   "A replacement lid is on its way.");
  f.services.campaigns.record_sent(ann.at("id").get<std::int64_t>(), {{"external_ref", "<m1@x>"}},
                                   "again");
  auto cases = f.services.cases.list({{"customer_id", std::to_string(w.ann)}}).items;
  REQUIRE(cases.size() == 1);
  CHECK(cases[0].at("state") == "resolved");
  auto thread = f.services.cases.messages(cases[0].at("id").get<std::int64_t>());
  int outbound = 0;
  for (const auto& m : thread) outbound += m.at("direction") == "outbound";
  CHECK(outbound == 1);
  CHECK(w.notification_of(w.ann, "resolution").at("state") == "sent");

  CHECK(f.services.campaigns.tick().at("completed").empty());  // Bob's is still pending
  f.services.campaigns.record_failed(
      w.notification_of(w.bob, "resolution").at("id").get<std::int64_t>(), "gateway refused");
  // Every message is out, but the notice board has not got the campaign yet.
  CHECK(f.services.campaigns.tick().at("completed").empty());
  cxloop::repository::Outbox box(f.database.db());
  for (const auto& item : w.outbox("publish")) box.complete(item.id);
  CHECK(f.services.campaigns.tick().at("completed").size() == 1);
  json campaign = f.services.campaigns.get(w.problem);
  CHECK(campaign.at("state") == "completed");
  CHECK(campaign.at("counts").at("by_state").at("sent") == 1);
  CHECK(campaign.at("counts").at("by_state").at("failed") == 1);
  CHECK(error_kind([&] { f.services.campaigns.pause(w.problem, f.agent); }) == ErrorKind::conflict);
}

TEST_CASE("pausing holds a campaign; acknowledging and unsubscribing go by the link's token") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CampaignWorld w(f);
  CHECK(error_kind([&] { f.services.campaigns.get(w.problem); }) == ErrorKind::not_found);
  CHECK(error_kind([&] { f.services.campaigns.pause(w.problem, f.agent); }) ==
        ErrorKind::not_found);
  auto id = f.services.campaigns.start(w.problem, json::object(), "manual", f.agent)
                .at("campaign")
                .at("id")
                .get<std::int64_t>();
  CHECK_FALSE(f.services.campaigns.paused(id));
  f.services.campaigns.pause(w.problem, f.agent);
  CHECK(f.services.campaigns.paused(id));
  CHECK(f.services.campaigns.tick().at("completed").empty());
  f.services.campaigns.resume(w.problem, f.agent);
  CHECK_FALSE(f.services.campaigns.paused(id));
  CHECK(f.services.campaigns.resume(w.problem, f.agent).at("state") == "running");  // idempotent

  f.services.campaigns.run_audience(id);
  std::string token;
  f.database.db().read([&](soci::session& s) {
    s << "SELECT ack_token FROM notifications WHERE customer_id = :c", soci::use(w.cat),
        soci::into(token);
  });
  REQUIRE(token.size() == 32);
  CHECK(f.services.campaigns.acknowledge(token).at("state") == "acknowledged");
  CHECK(f.services.campaigns.acknowledge(token).at("state") == "acknowledged");
  CHECK(error_kind([&] { f.services.campaigns.acknowledge("nope"); }) == ErrorKind::not_found);
  f.services.campaigns.unsubscribe(token);
  CHECK(f.services.customers.get(w.cat).at("opt_outs") == json::array({"advisory"}));
  CHECK(f.services.campaigns.notifications(w.problem, {{"state", "acknowledged"}}).at("total") ==
        1);
  CHECK(error_kind([&] {
          f.services.campaigns.notifications(w.problem, {{"state", "lost"}});
        }) == ErrorKind::invalid);
}

TEST_CASE("a manual campaign needs a customer message, and the preview counts without writing") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CampaignWorld w(f);
  auto bare = f.problems().create({{"title", "Other"}}, f.agent).at("id").get<std::int64_t>();
  f.problems().transition(bare, "investigating", std::nullopt, f.agent);
  CHECK(error_kind([&] { f.services.campaigns.start(bare, json::object(), "manual", f.agent); }) ==
        ErrorKind::conflict);
  CHECK(error_kind([&] {
          f.services.campaigns.start(w.problem, {{"loud", true}}, "manual", f.agent);
        }) == ErrorKind::invalid);

  json preview = f.services.campaigns.preview(w.problem, std::nullopt, 1);
  CHECK(preview.at("counts").at("resolution").at("mail") == 1);
  CHECK(preview.at("counts").at("resolution").at("text") == 1);
  CHECK(preview.at("counts").at("advisory").at("text") == 1);
  CHECK(preview.at("counts").at("advisory").at("print") == 1);
  CHECK(preview.at("unreachable") == 1);
  CHECK(preview.at("skipped_opt_out") == 1);
  CHECK(preview.at("samples").at("resolution").size() == 1);
  CHECK(preview.at("broadcast") == json::array({"board"}));
  CHECK(f.services.campaigns.preview(w.problem, false, 0).at("counts").contains("advisory") ==
        false);
  CHECK(w.notifications().empty());
}

TEST_CASE(
    "templates from the overrides folder win by kind, medium and language, and a broken one is "
    "refused") {
  namespace fs = std::filesystem;
  fs::path dir =
      fs::temp_directory_path() / ("cxloop-templates-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "resolution.email.de.subject.mustache") << "Behoben: {{{problem.title}}}";
  std::ofstream(dir / "resolution.text.mustache") << "Fixed for {{{customer.name}}}";
  cxloop::workflow::MessageTemplates templates(dir.string());
  json data = {{"problem", {{"title", "Lids & cracks"}}}, {"customer", {{"name", "Ann <A>"}}}};
  auto german = templates.render("resolution", "email", "de", data);
  CHECK(german.subject == "Behoben: Lids & cracks");
  CHECK(german.text == "Fixed for Ann <A>");
  CHECK(german.html.find("Ann &lt;A&gt;") != std::string::npos);  // built-in HTML escapes
  auto english = templates.render("resolution", "sms", "", data);
  CHECK(english.subject.find("Lids & cracks is fixed") != std::string::npos);
  CHECK(english.html.empty());
  std::ofstream(dir / "advisory.text.mustache") << "{{#unclosed}}";
  CHECK_THROWS_WITH(cxloop::workflow::MessageTemplates(dir.string()),
                    Catch::Contains("advisory.text.mustache"));
  fs::remove_all(dir);
  CHECK_THROWS_WITH(cxloop::workflow::MessageTemplates(dir.string()),
                    Catch::Contains("templates_dir"));
}

TEST_CASE(
    "messages rendered one after another for different recipients each hold their own values, "
    "escaped exactly where the template escapes") {
  namespace fs = std::filesystem;
  fs::path dir =
      fs::temp_directory_path() / ("cxloop-templates-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "resolution.text.mustache")
      << "{{#case.number}}Case {{{case.number}}}{{/case.number}}{{^case.number}}No case"
         "{{/case.number}} for {{{customer.name}}} / {{customer.name}}: {{{problem.title}}} "
         "{{links.acknowledge}}";
  cxloop::workflow::MessageTemplates templates(dir.string());
  const auto data = [](const json& name, const json& number, const std::string& title) {
    return json{{"problem", {{"title", title}}},
                {"customer", {{"name", name}}},
                {"case", number.is_null() ? json::object() : json{{"number", number}}},
                {"links", {{"acknowledge", "http://x/a?t=1&u=2"}}}};
  };
  CHECK(templates.render("resolution", "email", "", data("Ann <A>", "C-1", "Lids")).text ==
        "Case C-1 for Ann <A> / Ann &lt;A&gt;: Lids http://x/a?t=1&amp;u=2");
  CHECK(templates.render("resolution", "email", "", data("Bo \"B\" & co", "C-2", "Lids")).text ==
        "Case C-2 for Bo \"B\" & co / Bo &quot;B&quot; &amp; co: Lids http://x/a?t=1&amp;u=2");
  CHECK(templates.render("resolution", "email", "", data("Cy", nullptr, "Lids")).text ==
        "No case for Cy / Cy: Lids http://x/a?t=1&amp;u=2");
  CHECK(templates.render("resolution", "email", "", data("Di", 7, "Lids")).text ==
        "Case 7 for Di / Di: Lids http://x/a?t=1&amp;u=2");
  // Values that look like the renderer's own markers, in a recipient's or the shared data.
  CHECK(templates.render("resolution", "email", "", data("E\x01<A\x02", "C-3", "Lids")).text ==
        "Case C-3 for E\x01<A\x02 / E\x01&lt;A\x02: Lids http://x/a?t=1&amp;u=2");
  CHECK(templates.render("resolution", "email", "", data("Fa", "C-4", "L\x01<A\x02")).text ==
        "Case C-4 for Fa / Fa: L\x01<A\x02 http://x/a?t=1&amp;u=2");
  auto html = templates.render("resolution", "email", "", data("Ann <A>", "C-1", "Lids")).html;
  CHECK(html.find("<p>Hello Ann &lt;A&gt;,</p>") == 0);
  CHECK(html.find("(case C-1)") != std::string::npos);
  CHECK(templates.render("resolution", "email", "", data("Gus", nullptr, "Lids"))
            .html.find("(case") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("closing a problem withdraws its notices from the broadcast notifiers, once") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CampaignWorld w(f);
  CHECK(f.services.campaigns.withdraw_notices(w.problem) == 0);  // no campaign yet
  f.services.campaigns.start(w.problem, json::object(), "manual", f.agent);
  CHECK(f.services.campaigns.withdraw_notices(w.problem) == 1);
  CHECK(f.services.campaigns.withdraw_notices(w.problem) == 0);
  auto withdrawals = w.outbox("withdraw");
  REQUIRE(withdrawals.size() == 1);
  CHECK(withdrawals[0].target == "board");
  CHECK(json::parse(withdrawals[0].payload_json).at("problem").at("id") == w.problem);
}

TEST_CASE("publishing a problem's workaround article starts its campaign once") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CampaignWorld w(f);
  auto article = f.services.articles.create(
      {{"title", "Lid crack workaround"}, {"body", "Fit the spare lid."}}, f.agent);
  const auto article_id = article.at("id").get<std::int64_t>();
  f.services.solutions.put(
      w.problem,
      {{"type", "workaround"}, {"summary", "Fit the spare lid"}, {"article_id", article_id}},
      std::nullopt, f.agent);
  CHECK(f.services.campaigns.start_for_article(article_id).empty());  // not published yet
  f.services.articles.publish(article_id, true, f.agent);
  CHECK(f.services.campaigns.start_for_article(article_id) == std::vector<std::int64_t>{w.problem});
  CHECK(f.services.campaigns.get(w.problem).at("trigger_kind") == "workaround");
  CHECK(f.services.campaigns.start_for_article(article_id).empty());  // once
}

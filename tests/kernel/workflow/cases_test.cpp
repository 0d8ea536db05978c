#include "workflow_fixture.hpp"

#include "workflow/state_machines.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

TEST_CASE("intake creates a new case with its number, customer and first message") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json result = f.intake("ann@example.com", "Broken lid",
                         {{"sku", "KET-1"}, {"batch", "B7"}, {"category", "quality"}});
  const json& created = result.at("case");
  CHECK(created.at("state") == "new");
  CHECK(created.at("id") == 1);  // a fresh database
  CHECK(created.at("number") == "CS-000001");
  CHECK(created.at("priority") == "normal");
  CHECK(created.at("sku") == "KET-1");
  CHECK(created.at("description") == "The lid cracked on first use.");
  CHECK(result.at("customer_created") == true);
  CHECK(result.at("duplicate") == false);
  CHECK(result.at("message").at("direction") == "inbound");
  CHECK(result.at("message").at("author") == "ann@example.com");
  CHECK(f.cases().find_by_number(created.at("number")).at("id") == created.at("id"));
}

TEST_CASE("intake with an external_ref already seen on that channel returns the same case") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json first = f.intake("ann@example.com", "Broken lid", {{"external_ref", "<msg-1@mail>"}});
  json retry = f.intake("ann@example.com", "Broken lid", {{"external_ref", "<msg-1@mail>"}});
  CHECK(retry.at("duplicate") == true);
  CHECK(retry.at("case").at("id") == first.at("case").at("id"));
  CHECK(retry.at("message").at("id") == first.at("message").at("id"));
  CHECK(f.cases().list(json::object()).total == 1);
  CHECK(f.cases().messages(first.at("case").at("id").get<std::int64_t>()).size() == 1);

  // The same reference on another channel is another contact.
  json sms = f.services.cases.intake({{"channel", "sms"},
                                      {"external_ref", "<msg-1@mail>"},
                                      {"customer", {{"phone", "+15550100199"}}},
                                      {"subject", "Lid"},
                                      {"body", "lid broke"}},
                                     f.agent);
  CHECK(sms.at("duplicate") == false);
  CHECK(f.cases().list(json::object()).total == 2);
}

TEST_CASE("intake resolves a known customer instead of creating another") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json first = f.intake("ann@example.com");
  json second = f.intake("ANN@example.com ");
  CHECK(second.at("customer_created") == false);
  CHECK(second.at("customer").at("id") == first.at("customer").at("id"));
}

TEST_CASE("intake refuses a missing subject, a bad priority and an unknown category") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.context.categories = {"billing", "quality"};
  CHECK_THAT(
      error_message([&] {
        f.services.cases.intake(
            {{"channel", "email"}, {"customer", {{"email", "a@example.com"}}}, {"body", "x"}},
            f.agent);
      }),
      Catch::Contains("'subject' is required"));
  CHECK_THAT(error_message([&] {
               f.intake("a@example.com", "x", {{"priority", "asap"}});
             }),
             Catch::Contains("low, normal, high, urgent"));
  CHECK_THAT(error_message([&] {
               f.intake("a@example.com", "x", {{"category", "shipping"}});
             }),
             Catch::Contains("billing, quality"));
  CHECK(f.cases().list(json::object()).total == 0);
}

TEST_CASE("every case lifecycle edge is applied through the service, every other refused") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  const auto& machine = cxloop::workflow::case_lifecycle();
  // Reaching each state from "new" along allowed edges.
  const std::map<std::string, std::vector<std::string>> path = {{"new", {}},
                                                                {"open", {"open"}},
                                                                {"pending", {"pending"}},
                                                                {"resolved", {"resolved"}},
                                                                {"closed", {"closed"}}};
  for (const auto& from : machine.states) {
    for (const auto& to : machine.states) {
      auto id = f.intake_id("edge@example.com", from + "->" + to);
      for (const auto& step : path.at(from)) f.cases().transition(id, step, std::nullopt, f.agent);
      INFO(from << " -> " << to);
      if (machine.allows(from, to)) {
        json moved = f.cases().transition(id, to, std::nullopt, f.agent);
        CHECK(moved.at("state") == to);
        if (to == "resolved") CHECK(moved.at("resolved_at").is_string());
        if (to == "open") CHECK(moved.at("resolved_at").is_null());
      } else {
        CHECK(error_kind([&] { f.cases().transition(id, to, std::nullopt, f.agent); }) ==
              ErrorKind::conflict);
        CHECK(f.cases().get(id).at("state") == from);
      }
    }
  }
}

TEST_CASE("a transition with a stale revision is refused") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.intake_id("ann@example.com");
  json opened = f.cases().transition(id, "open", 1, f.agent);
  CHECK(opened.at("revision") == 2);
  CHECK(error_kind([&] { f.cases().transition(id, "pending", 1, f.agent); }) ==
        ErrorKind::stale_revision);
  CHECK(f.cases().get(id).at("state") == "open");
}

TEST_CASE("a case update changes the given fields and bumps the revision") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.intake_id("ann@example.com");
  json updated = f.cases().update(id, {{"priority", "urgent"}, {"sku", "KET-2"}}, 1, f.agent);
  CHECK(updated.at("priority") == "urgent");
  CHECK(updated.at("sku") == "KET-2");
  CHECK(updated.at("revision") == 2);
  CHECK(error_kind([&] {
          f.cases().update(id, {{"priority", "low"}}, 1, f.agent);
        }) == ErrorKind::stale_revision);
  CHECK(error_kind([&] {
          f.cases().update(id, {{"state", "open"}}, 2, f.agent);
        }) == ErrorKind::invalid);
}

TEST_CASE("an inbound message re-opens a pending case; outbound ones do not") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.intake_id("ann@example.com");
  f.cases().transition(id, "open", std::nullopt, f.agent);
  f.cases().transition(id, "pending", std::nullopt, f.agent);
  json reply =
      f.cases().append_message(id, {{"direction", "outbound"}, {"body", "Try this"}}, f.agent);
  CHECK(reply.at("case").at("state") == "pending");
  CHECK(reply.at("message").at("channel") == "email");
  json answer = f.cases().append_message(
      id, {{"direction", "inbound"}, {"body", "Did not help"}, {"external_id", "m2"}}, f.agent);
  CHECK(answer.at("case").at("state") == "open");
  json again = f.cases().append_message(
      id, {{"direction", "inbound"}, {"body", "Did not help"}, {"external_id", "m2"}}, f.agent);
  CHECK(again.at("duplicate") == true);
  CHECK(again.at("message").at("id") == answer.at("message").at("id"));
  CHECK(f.cases().messages(id).size() == 3);
}

TEST_CASE("a closed case takes no more messages") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.intake_id("ann@example.com");
  f.cases().transition(id, "resolved", std::nullopt, f.agent);
  f.cases().transition(id, "closed", std::nullopt, f.agent);
  CHECK_THAT(
      error_message([&] {
        f.cases().append_message(id, {{"direction", "inbound"}, {"body", "hello?"}}, f.agent);
      }),
      Catch::Contains("start a new case"));
}

TEST_CASE("every state change is in the case's event trail with actor and before/after") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.intake_id("ann@example.com");
  f.cases().transition(id, "open", std::nullopt, {"plugin:email", "plugin"});
  json events = f.cases().events(id);
  REQUIRE(events.size() == 2);
  CHECK(events[0].at("type") == "case.created");
  CHECK(events[1].at("type") == "case.state_changed");
  CHECK(events[1].at("actor") == "plugin:email");
  CHECK(events[1].at("data").at("before").at("state") == "new");
  CHECK(events[1].at("data").at("after").at("state") == "open");
}

TEST_CASE("SQL metacharacters and unicode in text fields are stored and returned verbatim") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  const std::string subject = "Robert'); DROP TABLE cases;-- 100% _done_ \\ \"quoted\"";
  const std::string body = "Grüße aus Köln — 壊れた蓋 🫖 :name $1 ? %s";
  json result =
      f.services.cases.intake({{"channel", "email"},
                               {"customer", {{"email", "zoë@example.com"}, {"name", "Zoë O'Neil"}}},
                               {"subject", subject},
                               {"body", body}},
                              f.agent);
  auto id = result.at("case").at("id").get<std::int64_t>();
  json stored = f.cases().get(id);
  CHECK(stored.at("subject") == subject);
  CHECK(stored.at("description") == body);
  CHECK(f.cases().messages(id).at(0).at("body") == body);
  CHECK(f.customers().get(result.at("customer").at("id").get<std::int64_t>()).at("name") ==
        "Zoë O'Neil");
  // Searching for the metacharacters finds the text literally, not as wildcards.
  CHECK(f.cases().list({{"q", "100% _done_"}}).total == 1);
  CHECK(f.cases().list({{"q", "10%"}}).total == 0);  // "10" is not the word "100"
  CHECK(f.cases().list({{"q", "DROP TABLE"}}).total == 1);
}

#include "workflow_fixture.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

TEST_CASE("a customer is stored with normalised e-mail and phone") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json customer = f.customers().create({{"name", "Ann"},
                                        {"email", " Ann@Example.COM"},
                                        {"phone", "+44 20 7946 0958"},
                                        {"opt_outs", {"sms"}},
                                        {"attributes", {{"vip", true}}}},
                                       f.agent);
  CHECK(customer.at("email") == "ann@example.com");
  CHECK(customer.at("phone") == "+442079460958");
  CHECK(customer.at("opt_outs") == json::array({"sms"}));
  CHECK(customer.at("attributes") == json{{"vip", true}});
  CHECK(customer.at("revision") == 1);
  CHECK(f.customers().get(customer.at("id").get<std::int64_t>()) == customer);
  REQUIRE(f.customers().find_by_email("ANN@example.com"));
  CHECK(f.customers().find_by_phone("0044 20 7946 0958")->at("id") == customer.at("id"));
}

TEST_CASE("a second customer with a taken e-mail or phone is a conflict naming the owner") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json first =
      f.customers().create({{"email", "ann@example.com"}, {"phone", "+15550100199"}}, f.agent);
  std::string owner = "customer " + std::to_string(first.at("id").get<std::int64_t>());
  CHECK(error_kind([&] {
          f.customers().create({{"email", "ANN@example.com"}}, f.agent);
        }) == ErrorKind::conflict);
  CHECK_THAT(error_message([&] {
               f.customers().create({{"phone", "+1 555 010 0199"}}, f.agent);
             }),
             Catch::Contains(owner));
}

TEST_CASE("a customer needs an e-mail or a phone, and unknown fields are named") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CHECK(error_kind([&] {
          f.customers().create({{"name", "Nobody"}}, f.agent);
        }) == ErrorKind::invalid);
  CHECK_THAT(error_message([&] {
               f.customers().create({{"emial", "a@b.co"}}, f.agent);
             }),
             Catch::Contains("unknown field 'emial'"));
}

TEST_CASE("a customer update with a stale revision is refused and changes nothing") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json customer = f.customers().create({{"email", "ann@example.com"}, {"tier", "gold"}}, f.agent);
  auto id = customer.at("id").get<std::int64_t>();
  json updated = f.customers().update(id, {{"tier", "platinum"}}, 1, f.agent);
  CHECK(updated.at("revision") == 2);
  CHECK(updated.at("tier") == "platinum");
  CHECK(error_kind([&] {
          f.customers().update(id, {{"tier", "bronze"}}, 1, f.agent);
        }) == ErrorKind::stale_revision);
  CHECK(f.customers().get(id).at("tier") == "platinum");
}

TEST_CASE("resolve finds a customer by e-mail or phone, creates one otherwise") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json created = f.customers().resolve({{"email", "Bob@Example.com"}, {"name", "Bob"}}, f.agent);
  CHECK(created.at("created") == true);
  auto id = created.at("customer").at("id");

  json again = f.customers().resolve({{"email", "bob@example.com"}}, f.agent);
  CHECK(again.at("created") == false);
  CHECK(again.at("customer").at("id") == id);

  // A phone the record lacks is added when the e-mail matches...
  json enriched =
      f.customers().resolve({{"email", "bob@example.com"}, {"phone", "+15550100111"}}, f.agent);
  CHECK(enriched.at("customer").at("phone") == "+15550100111");
  CHECK(enriched.at("customer").at("revision") == 2);
  // ...so a later call from that phone alone finds the same person.
  CHECK(f.customers().resolve({{"phone", "+1 (555) 010-0111"}}, f.agent).at("customer").at("id") ==
        id);
  CHECK(f.customers().resolve({{"phone", "+15550100222"}}, f.agent).at("created") == true);
}

TEST_CASE("resolve without e-mail or phone says what to send") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CHECK_THAT(error_message([&] {
               f.customers().resolve({{"name", "Anonymous"}}, f.agent);
             }),
             Catch::Contains("send 'email' or 'phone'"));
}

TEST_CASE("customers are listed with filters, newest first, with an exact total") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  for (int i = 0; i < 5; ++i) {
    f.customers().create({{"email", "c" + std::to_string(i) + "@example.com"},
                          {"region", i % 2 == 0 ? "north" : "south"}},
                         f.agent);
  }
  auto page = f.customers().list({{"region", "north"}, {"limit", 2}});
  CHECK(page.total == 3);
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0].at("email") == "c4@example.com");
  CHECK(page.items[1].at("email") == "c2@example.com");
  REQUIRE(page.next_cursor);
  auto rest =
      f.customers().list({{"region", "north"}, {"limit", 2}, {"cursor", *page.next_cursor}});
  REQUIRE(rest.items.size() == 1);
  CHECK(rest.items[0].at("email") == "c0@example.com");
  CHECK_FALSE(rest.next_cursor);
}

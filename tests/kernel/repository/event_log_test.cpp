#include <soci/soci.h>
#include <catch2/catch.hpp>

#include "repository/clock.hpp"
#include "repository/event_log.hpp"
#include "test_databases.hpp"

using namespace cxloop::repository;
using cxloop::events::Event;
using cxloop::testing::test_backends;
using cxloop::testing::TestDatabase;

namespace {

Event make_event(const std::string& type, const std::string& subject) {
  Event e;
  e.type = type;
  e.subject = subject;
  e.actor = "system";
  e.data_json = R"({"n": 1})";
  return e;
}

}  // namespace

TEST_CASE("Appended events get ids and times and are listed oldest first") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  EventLog log(t.db());

  std::vector<Event> written;
  t.db().write([&](soci::session& tx) {
    for (const char* subject : {"case:1", "case:2", "case:1"}) {
      Event e = make_event("case.updated", subject);
      EventLog::append(tx, e);
      written.push_back(e);
    }
  });
  REQUIRE(written.size() == 3);
  CHECK(written[0].id > 0);
  CHECK(written[1].id > written[0].id);
  CHECK(written[2].id > written[1].id);
  CHECK(parse_rfc3339(written[0].at).has_value());

  const auto all = log.after(0, 100);
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == written[0].id);
  CHECK(all[1].subject == "case:2");
  CHECK(all[2].data_json == R"({"n": 1})");
  CHECK(all[2].actor == "system");
  CHECK(all[2].at == written[2].at);

  const auto case1 = log.for_subject("case:1", 0, 100);
  REQUIRE(case1.size() == 2);
  CHECK(case1[0].id == written[0].id);
  CHECK(case1[1].id == written[2].id);

  CHECK(log.after(written[0].id, 100).size() == 2);
  CHECK(log.after(0, 1).size() == 1);
  CHECK(log.for_subject("case:1", written[0].id, 100).size() == 1);
  CHECK(log.for_subject("case:9", 0, 100).empty());
}

TEST_CASE("Events appended in a transaction that fails are not stored") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  EventLog log(t.db());
  CHECK_THROWS_AS(t.db().write([&](soci::session& tx) {
    Event e = make_event("case.created", "case:5");
    EventLog::append(tx, e);
    throw std::runtime_error("the state change failed");
  }),
                  std::runtime_error);
  CHECK(log.after(0, 10).empty());
}

TEST_CASE("An event with invalid JSON data or no subject is refused") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  Event bad = make_event("case.created", "case:1");
  bad.data_json = "{not json";
  CHECK_THROWS_AS(t.db().write([&](soci::session& tx) { EventLog::append(tx, bad); }),
                  std::invalid_argument);
  Event anonymous = make_event("case.created", "");
  CHECK_THROWS_AS(t.db().write([&](soci::session& tx) { EventLog::append(tx, anonymous); }),
                  std::invalid_argument);
}

#include <soci/soci.h>
#include <catch2/catch.hpp>

#include "workflow/sql_rows.hpp"
#include "workflow_fixture.hpp"

using namespace cxloop::workflow;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;

namespace {

const char* const kCaseColumns =
    "id, number, customer_id, channel, subject, description, category, sku, batch, priority, "
    "state, problem_id, external_ref, revision, created_at, updated_at, resolved_at";

nlohmann::json reload(WorkflowFixture& t, const std::string& table, std::int64_t id,
                      const std::string& columns,
                      std::initializer_list<const char*> json_columns = {}) {
  nlohmann::json row;
  t.database.db().read([&](soci::session& sql) {
    row = *select_one(sql, "SELECT " + columns + " FROM " + table + " WHERE id = :id", id,
                      json_columns);
  });
  return row;
}

}  // namespace

TEST_CASE("A row returned by an insert or an update reads exactly like the row loaded later") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  WorkflowFixture t(backend);
  const std::int64_t customer =
      t.customers().create({{"email", "ada@example.com"}}, t.agent).at("id").get<std::int64_t>();
  nlohmann::json inserted, updated;
  std::optional<nlohmann::json> missing;
  t.database.db().write([&](soci::session& tx) {
    inserted = insert_returning_row(tx, "cases",
                                    {{"customer_id", customer},
                                     {"channel", std::string("email")},
                                     {"subject", std::string("Lid")},
                                     {"description", std::string("Cracked")},
                                     {"category", nullptr},
                                     {"priority", std::string("normal")},
                                     {"state", std::string("new")},
                                     {"created_at", std::string("2026-01-01T00:00:00Z")},
                                     {"updated_at", std::string("2026-01-01T00:00:00Z")}},
                                    kCaseColumns);
    const std::int64_t id = inserted.at("id").get<std::int64_t>();
    updated = *update_returning_row(
        tx, "cases", "id", id, {{"number", std::string("CS-X")}, {"revision", 7}}, kCaseColumns);
    missing = update_returning_row(tx, "cases", "id", id + 1000, {{"number", std::string("CS-Y")}},
                                   kCaseColumns);
  });
  const std::int64_t id = inserted.at("id").get<std::int64_t>();
  CHECK(inserted.at("number").is_null());
  CHECK(inserted.at("category").is_null());
  CHECK(updated.at("number") == "CS-X");
  CHECK(updated.at("revision") == 7);
  CHECK(updated == reload(t, "cases", id, kCaseColumns));
  CHECK_FALSE(missing.has_value());
}

TEST_CASE("An intake answers with its case, message and customer as they read back afterwards") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  WorkflowFixture t(backend);
  for (const char* email : {"new@example.com", "new@example.com"}) {
    CAPTURE(email);
    nlohmann::json result = t.intake(email, "Broken lid", {{"attributes", {{"order", "A-1"}}}});
    const auto& the_case = result.at("case");
    CHECK(the_case.at("number") == CaseService::number_for(the_case.at("id").get<std::int64_t>()));
    CHECK(the_case == reload(t, "cases", the_case.at("id").get<std::int64_t>(), kCaseColumns));
    const auto& message = result.at("message");
    CHECK(message.at("attributes") == nlohmann::json{{"order", "A-1"}});
    CHECK(message ==
          reload(t, "case_messages", message.at("id").get<std::int64_t>(),
                 "id, case_id, direction, channel, author, body, external_id, delivery_state, "
                 "attributes, created_at",
                 {"attributes"}));
    const auto& customer = result.at("customer");
    CHECK(customer == t.customers().get(customer.at("id").get<std::int64_t>()));
  }
}

TEST_CASE("A query reads every row it selects, none when nothing matches, and a NULL as 0") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  WorkflowFixture t(backend);
  for (const char* email : {"a@example.com", "b@example.com", "c@example.com"})
    t.customers().create({{"email", email}}, t.agent);
  std::vector<nlohmann::json> all, none;
  std::int64_t count = 0, null_max = -1;
  t.database.db().read([&](soci::session& sql) {
    SqlQuery every("SELECT email FROM customers");
    every.where("email LIKE $", std::string("%@example.com")).text(" ORDER BY email");
    all = every.rows(sql);
    SqlQuery nothing("SELECT email FROM customers");
    nothing.where("email = $", std::string("nobody@example.com"));
    none = nothing.rows(sql);
    SqlQuery counted("SELECT count(*) FROM customers");
    counted.where_in("email", {"a@example.com", "c@example.com"});
    count = counted.scalar(sql);
    SqlQuery highest("SELECT max(id) FROM customers");
    highest.where("email = $", std::string("nobody@example.com"));
    null_max = highest.scalar(sql);
  });
  REQUIRE(all.size() == 3);
  CHECK(all[0].at("email") == "a@example.com");
  CHECK(all[1].at("email") == "b@example.com");
  CHECK(all[2].at("email") == "c@example.com");
  CHECK(none.empty());
  CHECK(count == 2);
  CHECK(null_max == 0);
}

TEST_CASE("A statement the database rejects fails with the database's message") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  WorkflowFixture t(backend);
  CHECK_THROWS_WITH(t.database.db().read([&](soci::session& sql) {
    SqlQuery("SELECT no_such_column FROM customers").rows(sql);
  }),
                    Catch::Contains("no_such_column"));
}

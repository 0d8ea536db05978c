#include "workflow_fixture.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::BulkImportError;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

TEST_CASE("a bulk asset import stores every row or, naming each bad row, none") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto ann = f.customers().create({{"email", "ann@example.com"}}, f.agent).at("id");
  json rows =
      json::array({{{"customer_id", ann}, {"sku", "KET-1"}, {"purchase_date", "2026-01-05"}},
                   {{"customer_id", ann}, {"sku", ""}},
                   {{"customer_email", "ann@example.com"}, {"sku", "KET-2"}},
                   {{"customer_id", ann}, {"sku", "KET-3"}, {"purchase_date", "05/01/2026"}}});
  try {
    f.services.assets.bulk_insert(rows, f.agent);
    FAIL("bad rows accepted");
  } catch (const BulkImportError& error) {
    REQUIRE(error.rows().size() == 2);
    CHECK(error.rows()[0].row == 2);
    CHECK(error.rows()[0].field == "/sku");
    CHECK(error.rows()[1].row == 4);
    CHECK(error.rows()[1].field == "/purchase_date");
  }
  CHECK(f.services.assets.list_by_customer(ann.get<std::int64_t>()).empty());

  // An unknown owner is found in the transaction and refuses the batch the same way.
  rows[1]["sku"] = "KET-9";
  rows[3]["purchase_date"] = "2026-01-05";
  rows[2]["customer_email"] = "nobody@example.com";
  try {
    f.services.assets.bulk_insert(rows, f.agent);
    FAIL("unknown owner accepted");
  } catch (const BulkImportError& error) {
    REQUIRE(error.rows().size() == 1);
    CHECK(error.rows()[0].row == 3);
  }
  CHECK(f.services.assets.list_by_customer(ann.get<std::int64_t>()).empty());

  rows[2]["customer_email"] = "ANN@example.com";
  CHECK(f.services.assets.bulk_insert(rows, f.agent).at("inserted") == 4);
  auto stored = f.services.assets.list_by_customer(ann.get<std::int64_t>());
  REQUIRE(stored.size() == 4);
  CHECK(stored[0].at("purchase_date") == "2026-01-05");
  CHECK(stored[2].at("sku") == "KET-2");
}

TEST_CASE("departments have unique names, a default OLA, and cannot go while in use") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto& departments = f.services.departments;
  json shipping = departments.create({{"name", "shipping"},
                                      {"connector_instance", "jira"},
                                      {"connector_settings", {{"project", "SHIP"}}}},
                                     f.agent);
  CHECK(shipping.at("ola_hours") == 72);
  CHECK(shipping.at("connector_settings").at("project") == "SHIP");
  CHECK(error_kind([&] {
          departments.create({{"name", "shipping"}}, f.agent);
        }) == ErrorKind::conflict);
  CHECK(error_kind([&] {
          departments.create({{"name", "x"}, {"ola_hours", 0}}, f.agent);
        }) == ErrorKind::invalid);
  auto id = shipping.at("id").get<std::int64_t>();
  CHECK(departments.update(id, {{"ola_hours", 24}}, 1, f.agent).at("ola_hours") == 24);
  f.problems().create({{"title", "Parcels lost"}, {"department_id", id}}, f.agent);
  CHECK(error_kind([&] { departments.remove(id, f.agent); }) == ErrorKind::conflict);
  auto spare = departments.create({{"name", "spare"}}, f.agent).at("id").get<std::int64_t>();
  departments.remove(spare, f.agent);
  CHECK(error_kind([&] { departments.get(spare); }) == ErrorKind::not_found);
  CHECK(departments.list().size() == 1);
}

// customer.affected_problems: the host operation a phone line (the IVR notifier) asks which
// open problems concern a caller, by linked case or by an asset in the affected scope.
#include "workflow_fixture.hpp"

#include "workflow/host_operations.hpp"
#include "workflow/operation_table.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::Actor;
using cxloop::workflow::ErrorKind;
using cxloop::workflow::OperationTable;
using nlohmann::json;

namespace {

// Callers around a problem scoped to KET-1 batch B7 in the north, and a second problem on
// SKU MUG-9:
//   ann  +442079460001  KET-1/B7 north          in scope            -> kettle problem
//   bob  +442079460002  KET-1/B7 south          out of scope, but a case linked -> kettle
//   cat  +442079460003  KET-2/B7 north          out of scope, no case           -> none
//   dan  +442079460004  KET-1/B7 north, MUG-9   in both scopes                  -> both
struct Callers {
  explicit Callers(WorkflowFixture& f) {
    for (const auto& [name, phone] :
         std::vector<std::pair<std::string, std::string>>{{"ann", "+442079460001"},
                                                          {"bob", "+442079460002"},
                                                          {"cat", "+442079460003"},
                                                          {"dan", "+442079460004"}}) {
      f.customers().create({{"name", name}, {"email", name + "@example.com"}, {"phone", phone}},
                           f.agent);
    }
    auto asset = [](const std::string& owner, const std::string& sku, const std::string& region) {
      return json{{"customer_email", owner + "@example.com"},
                  {"sku", sku},
                  {"batch", "B7"},
                  {"purchase_date", "2026-02-10"},
                  {"region", region}};
    };
    f.services.assets.bulk_insert(
        json::array({asset("ann", "KET-1", "north"), asset("bob", "KET-1", "south"),
                     asset("cat", "KET-2", "north"), asset("dan", "KET-1", "north"),
                     asset("dan", "MUG-9", "west")}),
        f.agent);
    kettle =
        f.problems()
            .create({{"title", "Kettle lids crack"},
                     {"scope", {{"skus", {"KET-1"}}, {"batches", {"B7"}}, {"regions", {"north"}}}}},
                    f.agent)
            .at("id")
            .get<std::int64_t>();
    mug = f.problems()
              .create({{"title", "Mug glaze flakes"}, {"scope", {{"skus", {"MUG-9"}}}}}, f.agent)
              .at("id")
              .get<std::int64_t>();
    f.problems().link_case(kettle, f.intake_id("bob@example.com"), false, f.agent);
  }
  std::int64_t kettle = 0;
  std::int64_t mug = 0;
};

json affected(OperationTable& table, const json& request) {
  return table.call("customer.affected_problems", request, Actor{"plugin:ivr", "plugin"});
}

}  // namespace

TEST_CASE(
    "a caller concerns the open problems whose scope holds their asset or that link "
    "their case") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  Callers callers(f);
  OperationTable table;
  cxloop::workflow::register_host_operations(table, f.services);
  const auto ann = f.customers().find_by_phone("+442079460001")->at("id");

  json in_scope = affected(table, {{"phone", "+442079460001"}});
  CHECK(in_scope.at("customer_id") == ann);
  CHECK(in_scope.at("problem_ids") == json::array({callers.kettle}));
  CHECK(affected(table, {{"phone", "+442079460002"}}).at("problem_ids") ==
        json::array({callers.kettle}));
  CHECK(affected(table, {{"phone", "+442079460003"}}).at("problem_ids") == json::array());
  CHECK(affected(table, {{"phone", "+442079460004"}}).at("problem_ids") ==
        json::array({callers.kettle, callers.mug}));
}

TEST_CASE("a caller's number is normalised the way intake normalises it") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  Callers callers(f);
  OperationTable table;
  cxloop::workflow::register_host_operations(table, f.services);
  CHECK(affected(table, {{"phone", "+44 (20) 7946-0001"}}).at("problem_ids") ==
        json::array({callers.kettle}));
  CHECK(affected(table, {{"phone", "0044 20 7946 0001"}}).at("problem_ids") ==
        json::array({callers.kettle}));
}

TEST_CASE("an unknown caller has no customer and no problems") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  Callers callers(f);
  OperationTable table;
  cxloop::workflow::register_host_operations(table, f.services);
  json unknown = affected(table, {{"phone", "+15551234567"}});
  CHECK(unknown.at("customer_id").is_null());
  CHECK(unknown.at("problem_ids") == json::array());
}

TEST_CASE("a closed problem no longer concerns anyone") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  Callers callers(f);
  OperationTable table;
  cxloop::workflow::register_host_operations(table, f.services);
  // A problem the caller's asset is in scope of, taken to closed straight from proposed.
  f.problems().transition(callers.mug, "closed", std::nullopt, f.agent);
  CHECK(affected(table, {{"phone", "+442079460004"}}).at("problem_ids") ==
        json::array({callers.kettle}));
  CHECK(affected(table, {{"phone", "+442079460004"}, {"problem_ids", {callers.mug}}})
            .at("problem_ids") == json::array());
}

TEST_CASE("problem_ids restricts the check to the problems named") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  Callers callers(f);
  OperationTable table;
  cxloop::workflow::register_host_operations(table, f.services);
  CHECK(affected(table, {{"phone", "+442079460004"}, {"problem_ids", {callers.mug}}})
            .at("problem_ids") == json::array({callers.mug}));
  CHECK(affected(table, {{"phone", "+442079460001"}, {"problem_ids", {callers.mug}}})
            .at("problem_ids") == json::array());
  // An id no problem has concerns nobody and does not spoil the answer for the others.
  CHECK(affected(table, {{"phone", "+442079460001"}, {"problem_ids", {9999, callers.kettle}}})
            .at("problem_ids") == json::array({callers.kettle}));
  CHECK(error_kind([&] {
          affected(table, {{"phone", "+442079460001"}, {"problem_ids", {"one"}}});
        }) == ErrorKind::invalid);
}

TEST_CASE("a malformed caller number is refused with a message about the number") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  OperationTable table;
  cxloop::workflow::register_host_operations(table, f.services);
  CHECK(error_kind([&] { affected(table, {{"phone", "call me"}}); }) == ErrorKind::invalid);
  // No default country code is configured in the fixture, so a national number is refused.
  CHECK_THAT(error_message([&] {
               affected(table, {{"phone", "020 7946 0001"}});
             }),
             Catch::Contains("country"));
  CHECK(error_kind([&] { affected(table, json::object()); }) == ErrorKind::invalid);
  CHECK(error_kind([&] {
          affected(table, {{"phone", "+442079460001"}, {"caller", "x"}});
        }) == ErrorKind::invalid);
}

#include "workflow_fixture.hpp"

using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using nlohmann::json;

namespace {

// A hand-made install base around problem scope {skus: KET-1, batches: B7 or B8,
// bought 2026-01-01..2026-03-31, regions: north}:
//   ann   KET-1/B7 2026-02-10 north  in scope, has a linked case   -> affected now
//   bob   KET-1/B8 2026-03-31 north  in scope (window edge), no case -> likely affected
//   cat   KET-1/B7 2026-01-01 north  in scope (window edge), two assets -> likely, counted once
//   dan   KET-1/B7 2026-02-10 south  wrong region                  -> out of scope
//   eve   KET-1/B9 2026-02-10 north  wrong batch                   -> out of scope
//   fay   KET-2/B7 2026-02-10 north  wrong sku                     -> out of scope
//   gus   KET-1/B7 2026-04-01 north  bought after the window; has a linked case
//   hal   KET-1/B7 2026-02-10 north  in scope, has a case NOT linked -> still likely affected
struct InstallBase {
  explicit InstallBase(WorkflowFixture& f) {
    auto customer = [&](const std::string& name) {
      return f.customers()
          .create({{"name", name}, {"email", name + "@example.com"}}, f.agent)
          .at("id")
          .get<std::int64_t>();
    };
    auto asset = [&](const std::string& owner, const std::string& sku, const std::string& batch,
                     const std::string& date, const std::string& region) {
      return json{{"customer_email", owner + "@example.com"},
                  {"sku", sku},
                  {"batch", batch},
                  {"purchase_date", date},
                  {"region", region}};
    };
    for (const char* name : {"ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"})
      customer(name);
    f.services.assets.bulk_insert(json::array({asset("ann", "KET-1", "B7", "2026-02-10", "north"),
                                               asset("bob", "KET-1", "B8", "2026-03-31", "north"),
                                               asset("cat", "KET-1", "B7", "2026-01-01", "north"),
                                               asset("cat", "KET-1", "B8", "2026-02-01", "north"),
                                               asset("dan", "KET-1", "B7", "2026-02-10", "south"),
                                               asset("eve", "KET-1", "B9", "2026-02-10", "north"),
                                               asset("fay", "KET-2", "B7", "2026-02-10", "north"),
                                               asset("gus", "KET-1", "B7", "2026-04-01", "north"),
                                               asset("hal", "KET-1", "B7", "2026-02-10", "north")}),
                                  f.agent);
    problem = f.problems()
                  .create({{"title", "Lids crack"},
                           {"scope",
                            {{"skus", {"KET-1"}},
                             {"batches", {"B7", "B8"}},
                             {"purchase_from", "2026-01-01"},
                             {"purchase_to", "2026-03-31"},
                             {"regions", {"north"}}}}},
                          f.agent)
                  .at("id")
                  .get<std::int64_t>();
    for (const char* name : {"ann", "ann", "gus"}) {
      auto case_id = f.intake_id(std::string(name) + "@example.com");
      f.problems().link_case(problem, case_id, false, f.agent);
    }
    f.intake_id("hal@example.com", "Something else");
  }
  std::int64_t problem = 0;
};

}  // namespace

TEST_CASE("impact counts linked cases, affected customers and likely affected ones exactly") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  InstallBase base(f);
  auto impact = f.problems().impact(base.problem);
  CHECK(impact.linked_cases == 3);
  CHECK(impact.affected_customers == 2);         // ann, gus
  CHECK(impact.in_scope_assets == 5);            // ann, bob, cat x2, hal
  CHECK(impact.in_scope_customers == 4);         // ann, bob, cat, hal
  CHECK(impact.likely_affected_customers == 3);  // bob, cat, hal
  CHECK(impact.scope_defined);

  auto likely = f.problems().likely_affected(base.problem, 0, 100);
  std::vector<std::string> names;
  for (auto id : likely) names.push_back(f.customers().get(id).at("name").get<std::string>());
  CHECK(names == std::vector<std::string>{"bob", "cat", "hal"});
  // Paging the audience by customer id.
  CHECK(f.problems().likely_affected(base.problem, likely[0], 1) ==
        std::vector<std::int64_t>{likely[1]});
}

TEST_CASE("a customer who gets a linked case moves from likely to affected") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  InstallBase base(f);
  auto bob_case = f.intake_id("bob@example.com");
  f.problems().link_case(base.problem, bob_case, false, f.agent);
  auto impact = f.problems().impact(base.problem);
  CHECK(impact.affected_customers == 3);
  CHECK(impact.likely_affected_customers == 2);
}

TEST_CASE("an empty scope dimension does not constrain; no scope at all forecasts nobody") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  InstallBase base(f);
  auto id = base.problem;
  auto revision = f.problems().get(id).at("revision").get<std::int64_t>();
  f.problems().update(id, {{"scope", {{"skus", {"KET-1"}}}}}, revision, f.agent);
  auto by_sku = f.problems().impact(id);
  CHECK(by_sku.in_scope_customers == 7);  // everyone but fay
  CHECK(by_sku.likely_affected_customers == 5);

  f.problems().update(id, {{"scope", json::object()}}, revision + 1, f.agent);
  auto unscoped = f.problems().impact(id);
  CHECK_FALSE(unscoped.scope_defined);
  CHECK(unscoped.in_scope_customers == 0);
  CHECK(unscoped.likely_affected_customers == 0);
  CHECK(unscoped.affected_customers == 2);
}

TEST_CASE("impact counts the same owners whether the scope names one SKU, several or none") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  InstallBase base(f);
  auto id = base.problem;
  auto revision = f.problems().get(id).at("revision").get<std::int64_t>();
  // Two SKUs: fay's KET-2 asset (B7, north, in the window) joins ann, bob, cat and hal.
  f.problems().update(id,
                      {{"scope",
                        {{"skus", {"KET-1", "KET-2"}},
                         {"batches", {"B7", "B8"}},
                         {"purchase_from", "2026-01-01"},
                         {"purchase_to", "2026-03-31"},
                         {"regions", {"north"}}}}},
                      revision, f.agent);
  auto two_skus = f.problems().impact(id);
  CHECK(two_skus.in_scope_assets == 6);
  CHECK(two_skus.in_scope_customers == 5);
  CHECK(two_skus.likely_affected_customers == 4);  // bob, cat, fay, hal

  // No SKU, only a region: every north asset, dan's south one excepted; of the owners, ann and
  // gus have linked cases.
  f.problems().update(id, {{"scope", {{"regions", {"north"}}}}}, revision + 1, f.agent);
  auto by_region = f.problems().impact(id);
  CHECK(by_region.in_scope_assets == 8);
  CHECK(by_region.in_scope_customers == 7);
  CHECK(by_region.likely_affected_customers == 5);
}

// Problems over HTTP: linking cases and the impact figures from a small install base.
#include <catch2/catch.hpp>

#include "api_fixture.hpp"

using cxloop::testing::ApiFixture;
using cxloop::testing::test_backends;

namespace {

long id_of(const cxloop::testing::ApiResponse& response) {
  INFO(response.body);
  REQUIRE(response.status / 100 == 2);
  return response.json()["id"].get<long>();
}

}  // namespace

TEST_CASE("impact figures are exact on a small install base", "[api][problems]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  // Install base: five customers.
  //   ann  owns KT-100 batch B7 in EU   (in scope, will report)
  //   bob  owns KT-100 batch B7 in EU   (in scope, silent: likely affected)
  //   cat  owns KT-100 batch B7 in EU twice (in scope, silent, counted once)
  //   dan  owns KT-100 batch B8 in EU   (other batch: out of scope)
  //   eve  owns KT-100 batch B7 in US   (other region: out of scope)
  std::map<std::string, long> customers;
  for (const char* name : {"ann", "bob", "cat", "dan", "eve"}) {
    customers[name] = id_of(api.post(
        "/api/v1/customers", {{"name", name}, {"email", std::string(name) + "@example.test"}}));
  }
  auto asset = [&](const char* who, const char* batch, const char* region) {
    id_of(api.post("/api/v1/assets", {{"customer_id", customers[who]},
                                      {"sku", "KT-100"},
                                      {"batch", batch},
                                      {"region", region},
                                      {"purchase_date", "2026-03-01"}}));
  };
  asset("ann", "B7", "EU");
  asset("bob", "B7", "EU");
  asset("cat", "B7", "EU");
  asset("cat", "B7", "EU");
  asset("dan", "B8", "EU");
  asset("eve", "B7", "US");

  long problem = id_of(
      api.post("/api/v1/problems",
               {{"title", "Kettle lid cracks"},
                {"scope", {{"skus", {"KT-100"}}, {"batches", {"B7"}}, {"regions", {"EU"}}}}}));
  std::string url = "/api/v1/problems/" + std::to_string(problem);

  auto impact = api.get(url + "/impact").json();
  CHECK(impact["linked_cases"] == 0);
  CHECK(impact["affected_customers"] == 0);
  CHECK(impact["in_scope_customers"] == 3);
  CHECK(impact["in_scope_assets"] == 4);
  CHECK(impact["likely_affected_customers"] == 3);

  // Ann reports twice (two cases), Dan once (out of scope but reporting the same fault).
  auto ann1 = api.new_case("ann@example.test", "Lid cracked");
  auto ann2 = api.new_case("ann@example.test", "Lid cracked again");
  auto dan = api.new_case("dan@example.test", "Lid cracked too");
  for (const auto& c : {ann1, ann2, dan}) {
    auto linked = api.post(url + "/cases", {{"case_id", c["id"]}});
    CHECK(linked.status == 200);
    CHECK(linked.json()["changed"] == true);
  }
  // Linking again is a no-op.
  auto again = api.post(url + "/cases", {{"case_id", ann1["id"]}});
  CHECK(again.status == 200);
  CHECK(again.json()["changed"] == false);

  impact = api.get(url + "/impact").json();
  CHECK(impact["linked_cases"] == 3);
  CHECK(impact["affected_customers"] == 2);         // ann, dan
  CHECK(impact["in_scope_customers"] == 3);         // ann, bob, cat
  CHECK(impact["likely_affected_customers"] == 2);  // bob, cat

  // A case belongs to at most one problem.
  long other = id_of(api.post("/api/v1/problems", {{"title", "Something else"}}));
  auto taken =
      api.post("/api/v1/problems/" + std::to_string(other) + "/cases", {{"case_id", dan["id"]}});
  CHECK(taken.status == 409);
  auto moved = api.post("/api/v1/problems/" + std::to_string(other) + "/cases",
                        {{"case_id", dan["id"]}, {"move", true}});
  CHECK(moved.status == 200);
  CHECK(moved.json()["previous_problem_id"] == problem);

  auto unlinked =
      api.request("DELETE", url + "/cases/" + std::to_string(ann2["id"].get<long>()), "admin");
  CHECK(unlinked.status == 200);
  impact = api.get(url + "/impact").json();
  CHECK(impact["linked_cases"] == 1);
  CHECK(impact["affected_customers"] == 1);
  CHECK(impact["likely_affected_customers"] == 2);

  // A new asset in scope changes the forecast at once.
  long fay = id_of(api.post("/api/v1/customers", {{"name", "fay"}, {"email", "fay@example.test"}}));
  id_of(api.post("/api/v1/assets",
                 {{"customer_id", fay}, {"sku", "KT-100"}, {"batch", "B7"}, {"region", "EU"}}));
  CHECK(api.get(url + "/impact").json()["likely_affected_customers"] == 3);

  // Every link and unlink is on the problem's timeline.
  auto events = api.get(url + "/events").json()["items"];
  int links = 0, unlinks = 0;
  for (const auto& event : events) {
    std::string type = event["type"];
    links += type.find("linked") != std::string::npos && type.find("unlinked") == std::string::npos;
    unlinks += type.find("unlinked") != std::string::npos;
  }
  CHECK(links >= 3);
  CHECK(unlinks >= 1);
}

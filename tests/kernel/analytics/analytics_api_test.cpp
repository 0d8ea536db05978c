// Suggestions, impact and the summary over HTTP, against a real kernel on port 0; proposals
// arrive the way analytics plugins send them, through the host operations.
#include <catch2/catch.hpp>

#include "api_fixture.hpp"
#include "workflow/operation_table.hpp"

using cxloop::testing::ApiFixture;
using cxloop::testing::test_backends;
using nlohmann::json;

namespace {

const cxloop::workflow::Actor kPlugin{"plugin:similarity", "plugin"};

json call(ApiFixture& api, const std::string& operation, const json& request) {
  return api.server().operations().call(operation, request, kPlugin);
}

}  // namespace

TEST_CASE("agents list, accept and dismiss suggestions over HTTP", "[api][analytics]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  auto a = api.new_case("ann@example.test", "Lid cracked")["id"];
  auto b = api.new_case("bob@example.test", "Lid split")["id"];
  auto c = api.new_case("cat@example.test", "Invoice twice")["id"];
  json proposed = call(api, "suggestion.propose",
                       {{"kind", "problem"},
                        {"signature", "lid"},
                        {"title", "Lids crack"},
                        {"scope", {{"skus", {"KT-100"}}}},
                        {"case_ids", {a, b}},
                        {"evidence", {{"shared_terms", {"lid"}}}}});
  REQUIRE(proposed["created"] == true);
  std::string id = std::to_string(proposed["id"].get<long>());
  json noise =
      call(api, "suggestion.propose",
           {{"kind", "problem"}, {"signature", "noise"}, {"title", "Misc"}, {"case_ids", {c}}});

  auto listed = api.get("/api/v1/suggestions?state=open&limit=1", "agent");
  REQUIRE(listed.status == 200);
  CHECK(listed.json()["total"] == 2);
  CHECK(listed.json()["items"].size() == 1);
  CHECK(listed.json()["next_cursor"].is_string());
  auto one = api.get("/api/v1/suggestions/" + id, "agent");
  CHECK(one.status == 200);
  CHECK(one.json()["evidence"]["shared_terms"] == json({"lid"}));

  // Accept with an override, under an Idempotency-Key: the retry replays, no second problem.
  std::map<std::string, std::string> key{{"Idempotency-Key", "accept-lid-1"}};
  auto accepted =
      api.post("/api/v1/suggestions/" + id + "/accept", {{"severity", "major"}}, "agent", key);
  INFO(accepted.body);
  REQUIRE(accepted.status == 200);
  json problem = accepted.json()["problem"];
  CHECK(problem["severity"] == "major");
  CHECK(accepted.json()["linked_case_ids"] == json({a, b}));
  auto replay =
      api.post("/api/v1/suggestions/" + id + "/accept", {{"severity", "major"}}, "agent", key);
  CHECK(replay.status == 200);
  CHECK(replay.header("idempotent-replayed") == "true");
  CHECK(api.get("/api/v1/problems", "agent").json()["total"] == 1);
  // Without the key, a second accept is a conflict.
  auto twice = api.request("POST", "/api/v1/suggestions/" + id + "/accept", "agent");
  CHECK(twice.status == 409);
  CHECK(twice.header("content-type").find("application/problem+json") == 0);

  // The new problem's impact, with the forecast and trend fields.
  auto impact =
      api.get("/api/v1/problems/" + std::to_string(problem["id"].get<long>()) + "/impact", "agent");
  REQUIRE(impact.status == 200);
  CHECK(impact.json()["linked_cases"] == 2);
  CHECK(impact.json()["trend"]["contacts_last_7_days"] == 2);
  CHECK(impact.json()["severity"] == "major");
  CHECK(impact.json().contains("priority_score"));

  // Dismiss without a body; the dismissal sticks.
  std::string noise_id = std::to_string(noise["id"].get<long>());
  auto dismissed = api.request("POST", "/api/v1/suggestions/" + noise_id + "/dismiss", "agent");
  CHECK(dismissed.status == 200);
  CHECK(dismissed.json()["state"] == "dismissed");
  json again =
      call(api, "suggestion.propose",
           {{"kind", "problem"}, {"signature", "noise"}, {"title", "Misc"}, {"case_ids", {c}}});
  CHECK(again["state"] == "dismissed");

  // The plugin's view of known problems.
  json signatures = call(api, "problem.signatures", json::object());
  REQUIRE(signatures["problems"].size() == 1);
  CHECK(signatures["problems"][0]["linked_case_ids"] == json({a, b}));
}

TEST_CASE("suggestion and summary routes answer problem+json naming what to fix",
          "[api][analytics]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  CHECK(api.get("/api/v1/suggestions/999999", "agent").status == 404);
  CHECK(api.post("/api/v1/suggestions/999999/accept", json::object(), "agent").status == 404);
  CHECK(api.post("/api/v1/suggestions/999999/dismiss", json::object(), "agent").status == 404);
  auto bad_state = api.get("/api/v1/suggestions?state=maybe", "agent");
  CHECK(bad_state.status == 400);
  CHECK(bad_state.json()["field"] == "/state");
  auto bad_filter = api.get("/api/v1/suggestions?colour=red", "agent");
  CHECK(bad_filter.status == 400);
  CHECK(bad_filter.body.find("colour") != std::string::npos);

  auto a = api.new_case("ann@example.test", "Lid cracked")["id"];
  json proposed =
      call(api, "suggestion.propose",
           {{"kind", "problem"}, {"signature", "s"}, {"title", "T"}, {"case_ids", {a}}});
  std::string url = "/api/v1/suggestions/" + std::to_string(proposed["id"].get<long>());
  auto bad_override = api.post(url + "/accept", {{"scope", {{"skus", "KT-100"}}}}, "agent");
  CHECK(bad_override.status == 400);
  CHECK(bad_override.json()["field"] == "/scope/skus");
  auto bad_reason = api.post(url + "/dismiss", {{"reason", 42}}, "agent");
  CHECK(bad_reason.status == 400);
  CHECK(bad_reason.json()["field"] == "/reason");
  CHECK(api.get(url, "department").status == 403);

  auto bad_range = api.get("/api/v1/analytics/summary?from=2026-13-01", "agent");
  CHECK(bad_range.status == 400);
  CHECK(bad_range.json()["field"] == "/from");
  auto summary = api.get("/api/v1/analytics/summary", "agent");
  REQUIRE(summary.status == 200);
  CHECK(summary.json()["contacts"]["total"] == 1);
  CHECK(summary.json()["contacts"]["by_channel"]["api"].is_number());
}

TEST_CASE("the summary figures are exported as Prometheus gauges", "[api][analytics]") {
  ApiFixture api("sqlite");
  api.new_case("ann@example.test", "Lid cracked", {{"category", "product_quality"}});
  api.post("/api/v1/problems", {{"title", "Lids crack"}});
  auto metrics = api.request("GET", "/metrics", "");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("cxloop_contacts_30d_by_category{category=\"product_quality\"} 1") !=
        std::string::npos);
  CHECK(metrics.body.find("cxloop_open_problems_by_state{state=\"proposed\"} 1") !=
        std::string::npos);
  CHECK(metrics.body.find("cxloop_proactive_contacts_30d{kind=\"expected\"} 0") !=
        std::string::npos);
}

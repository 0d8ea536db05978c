// Cases over HTTP: intake, idempotent retries, revisions, pagination and verbatim text.
#include <catch2/catch.hpp>

#include <set>

#include "api_fixture.hpp"

using cxloop::testing::ApiFixture;
using cxloop::testing::test_backends;

TEST_CASE("a new case gets a CS number and a customer resolved by email", "[api][cases]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  auto first = api.new_case("Alice@Example.TEST", "Blender smokes");
  auto second = api.new_case("alice@example.test", "Blender still smokes");
  CHECK(first["number"].get<std::string>().rfind("CS-", 0) == 0);
  CHECK(first["customer_id"] == second["customer_id"]);
  CHECK(first["state"] == "new");
  auto by_number = api.get("/api/v1/cases/" + first["number"].get<std::string>());
  CHECK(by_number.status == 200);
  CHECK(by_number.json()["id"] == first["id"]);
  CHECK(api.get("/api/v1/cases/999999").status == 404);
  CHECK(api.get("/api/v1/cases/CS-999999").status == 404);
}

TEST_CASE("an Idempotency-Key retry returns the first case and creates no duplicate",
          "[api][cases]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  nlohmann::json body{{"customer", {{"email", "retry@example.test"}}},
                      {"subject", "Order missing"},
                      {"body", "Order 42 never came"}};
  auto first = api.post("/api/v1/cases", body, "admin", {{"Idempotency-Key", "k-1"}});
  auto again = api.post("/api/v1/cases", body, "admin", {{"Idempotency-Key", "k-1"}});
  REQUIRE(first.status == 201);
  CHECK(again.status == 201);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json()["id"] == first.json()["id"]);
  CHECK(api.get("/api/v1/cases").json()["total"] == 1);

  body["subject"] = "Something else";
  auto reused = api.post("/api/v1/cases", body, "admin", {{"Idempotency-Key", "k-1"}});
  CHECK(reused.status == 422);
  CHECK(reused.json()["field"] == "/headers/idempotency-key");
  CHECK(api.get("/api/v1/cases").json()["total"] == 1);

  // Another principal's key space is its own.
  auto other = api.post("/api/v1/cases", body, "agent", {{"Idempotency-Key", "k-1"}});
  CHECK(other.status == 201);
}

TEST_CASE("a channel retry of the same external_ref returns the existing case", "[api][cases]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  nlohmann::json body{{"channel", "email"},
                      {"external_ref", "<msg-1@example.test>"},
                      {"customer", {{"email", "dup@example.test"}}},
                      {"subject", "Wrong invoice"},
                      {"body", "Invoice 7 is wrong"}};
  auto first = api.post("/api/v1/cases", body, "ingest");
  auto again = api.post("/api/v1/cases", body, "ingest");
  REQUIRE(first.status == 201);
  CHECK(again.status == 200);
  CHECK(again.json()["duplicate"] == true);
  CHECK(again.json()["id"] == first.json()["id"]);
}

TEST_CASE("an update with a stale If-Match is refused with 412 and changes nothing",
          "[api][cases]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  auto record = api.new_case("stale@example.test");
  std::string url = "/api/v1/cases/" + std::to_string(record["id"].get<long>());
  auto read = api.get(url);
  std::string etag = read.header("etag");
  REQUIRE_FALSE(etag.empty());
  auto first = api.request("PATCH", url, "admin", R"({"priority":"high"})", {{"If-Match", etag}});
  REQUIRE(first.status == 200);
  CHECK(first.header("etag") != etag);
  auto stale = api.request("PATCH", url, "admin", R"({"priority":"low"})", {{"If-Match", etag}});
  CHECK(stale.status == 412);
  CHECK(api.get(url).json()["priority"] == "high");
  auto malformed =
      api.request("PATCH", url, "admin", R"({"priority":"low"})", {{"If-Match", "W/\"x\""}});
  CHECK(malformed.status == 400);
}

TEST_CASE("case pagination neither repeats nor skips rows while new cases arrive", "[api][cases]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  std::set<long> original;
  for (int i = 0; i < 23; ++i) {
    original.insert(api.new_case("page" + std::to_string(i) + "@example.test")["id"].get<long>());
  }
  std::set<long> seen;
  std::string cursor;
  int pages = 0;
  do {
    std::string url = "/api/v1/cases?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto page = api.get(url);
    REQUIRE(page.status == 200);
    auto body = page.json();
    for (const auto& item : body["items"]) {
      CHECK(seen.insert(item["id"].get<long>()).second);  // never twice
    }
    // Newer cases arrive between pages; they sort before the cursor and must not disturb it.
    api.new_case("late" + std::to_string(pages) + "@example.test");
    cursor = body["next_cursor"].is_null() ? "" : body["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  for (long id : original) CHECK(seen.count(id) == 1);
  CHECK(api.get("/api/v1/cases?limit=5").json()["total"] == 23 + pages);
  CHECK(api.get("/api/v1/cases?cursor=not-a-cursor").status == 400);
  CHECK(api.get("/api/v1/cases?limit=0").status == 400);
}

TEST_CASE("SQL metacharacters and unicode in text fields are stored and returned verbatim",
          "[api][cases]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  const std::string nasty =
      "Robert'); DROP TABLE cases;-- \"quoted\" % _ \\ back\\slash ; -- 🙂 Zoë 東京 $1 :name";
  auto customer = api.post("/api/v1/customers", {{"name", nasty},
                                                 {"email", "nasty@example.test"},
                                                 {"region", nasty},
                                                 {"tier", nasty},
                                                 {"language", nasty}});
  REQUIRE(customer.status == 201);
  auto stored = api.get("/api/v1/customers/" + std::to_string(customer.json()["id"].get<long>()));
  for (const char* key : {"name", "region", "tier", "language"}) CHECK(stored.json()[key] == nasty);

  auto record = api.new_case(
      "nasty@example.test", nasty,
      {{"description", nasty}, {"category", "other"}, {"sku", nasty}, {"batch", nasty}});
  auto read = api.get("/api/v1/cases/" + std::to_string(record["id"].get<long>())).json();
  for (const char* key : {"subject", "description", "sku", "batch"}) CHECK(read[key] == nasty);
  auto messages =
      api.get("/api/v1/cases/" + std::to_string(record["id"].get<long>()) + "/messages").json();
  CHECK(messages["items"][0]["body"] == "Details of " + nasty);

  auto problem = api.post("/api/v1/problems",
                          {{"title", nasty}, {"description", nasty}, {"root_cause", nasty}});
  REQUIRE(problem.status == 201);
  for (const char* key : {"title", "description", "root_cause"})
    CHECK(problem.json()[key] == nasty);
  // Searching for the text finds exactly the one case, not everything.
  auto search = api.get("/api/v1/cases?q=DROP%20TABLE");
  CHECK(search.json()["total"] == 1);
}

TEST_CASE("a case search without a word is a 400 naming q; pages tell whether total is exact",
          "[api][cases]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  api.new_case("ann@example.test", "Kettle leaks");
  auto refused = api.get("/api/v1/cases?q=%25%20-");
  CHECK(refused.status == 400);
  CHECK(refused.json()["field"] == "/q");
  auto count = api.get("/api/v1/cases?count=all");
  CHECK(count.status == 400);
  CHECK(count.json()["field"] == "/count");

  auto found = api.get("/api/v1/cases?q=KETTLE&count=exact").json();
  CHECK(found["total"] == 1);
  CHECK(found["total_exact"] == true);
  auto capped = api.get("/api/v1/cases?q=kettle").json();
  CHECK(capped["total"] == 1);
  CHECK(capped["total_exact"] == true);
}

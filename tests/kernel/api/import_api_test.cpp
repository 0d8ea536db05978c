// Bulk import over HTTP: all rows or none, with every bad row named by its line.
#include <catch2/catch.hpp>

#include "api_fixture.hpp"

using cxloop::testing::ApiFixture;
using cxloop::testing::test_backends;

TEST_CASE("a CSV import with a bad row stores nothing and names the line", "[api][import]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  std::string csv =
      "name,email,phone,region,opt_outs,loyalty\n"
      "Ann,ann@example.test,+441632960001,EU,sms,gold\n"
      "Bob,not-an-email,,EU,,\n"
      "\"Cat, the second\",cat@example.test,,US,email;sms,\n";
  auto refused =
      api.request("POST", "/api/v1/customers/import", "agent", csv, {{"Content-Type", "text/csv"}});
  INFO(refused.body);
  REQUIRE(refused.status == 422);
  auto errors = refused.json()["errors"];
  REQUIRE(errors.size() == 1);
  CHECK(errors[0]["line"] == 3);
  CHECK(errors[0]["field"] == "/email");
  CHECK(api.get("/api/v1/customers").json()["total"] == 0);

  std::string fixed = csv;
  fixed.replace(fixed.find("not-an-email"), 12, "bob@example.test");
  auto accepted = api.request("POST", "/api/v1/customers/import", "agent", fixed,
                              {{"Content-Type", "text/csv"}});
  INFO(accepted.body);
  REQUIRE(accepted.status == 200);
  CHECK(accepted.json()["inserted"] == 3);
  auto cat = api.get("/api/v1/customers?email=cat@example.test").json()["items"][0];
  CHECK(cat["name"] == "Cat, the second");
  CHECK(cat["opt_outs"] == nlohmann::json({"email", "sms"}));
  auto ann = api.get("/api/v1/customers?email=ann@example.test").json()["items"][0];
  CHECK(ann["attributes"]["loyalty"] == "gold");
}

TEST_CASE("a JSON-lines asset import checks every row before storing any", "[api][import]") {
  ApiFixture api(GENERATE(from_range(test_backends())));
  REQUIRE(api.post("/api/v1/customers", {{"email", "owner@example.test"}}).status == 201);
  std::string lines =
      "{\"customer_email\":\"owner@example.test\",\"sku\":\"KT-100\",\"batch\":\"B7\"}\n"
      "\n"
      "{\"customer_email\":\"nobody@example.test\",\"sku\":\"KT-100\"}\n"
      "{\"customer_email\":\"owner@example.test\",\"sku\":\"KT-100\",\"purchase_date\":\"March\"}\n"
      "not json\n";
  auto refused = api.request("POST", "/api/v1/assets/import", "agent", lines,
                             {{"Content-Type", "application/x-ndjson"}});
  INFO(refused.body);
  REQUIRE(refused.status == 422);
  CHECK(refused.json()["errors"][0]["line"] == 5);  // the unreadable line is reported first

  std::string readable = lines.substr(0, lines.find("not json"));
  refused = api.request("POST", "/api/v1/assets/import", "agent", readable,
                        {{"Content-Type", "application/x-ndjson"}});
  REQUIRE(refused.status == 422);
  auto errors = refused.json()["errors"];
  REQUIRE(errors.size() == 2);
  CHECK(errors[0]["line"] == 3);
  CHECK(errors[1]["line"] == 4);
  CHECK(errors[1]["field"] == "/purchase_date");

  auto good =
      api.request("POST", "/api/v1/assets/import", "agent", lines.substr(0, lines.find('\n') + 1),
                  {{"Content-Type", "application/x-ndjson"}});
  CHECK(good.status == 200);
  CHECK(good.json()["inserted"] == 1);
  auto listed = api.get("/api/v1/assets?sku=KT-100&batch=B7").json();
  CHECK(listed["total"] == 1);
  CHECK(listed["items"][0]["batch"] == "B7");
  CHECK(api.get("/api/v1/assets?sku=KT-999").json()["total"] == 0);
  CHECK(api.get("/api/v1/assets?colour=red").status == 400);
}

TEST_CASE("a bulk import is streamed, so it may exceed the request body limit", "[api][import]") {
  ApiFixture api(GENERATE(from_range(test_backends())));  // http.max_body_bytes is 64 KiB
  std::string csv = "name,email,region\n";
  for (int i = 0; i < 3000; ++i) {
    csv += "Customer number " + std::to_string(i) + ",c" + std::to_string(i) + "@example.test,EU\n";
  }
  REQUIRE(csv.size() > 64 * 1024);
  auto accepted =
      api.request("POST", "/api/v1/customers/import", "agent", csv, {{"Content-Type", "text/csv"}});
  INFO(accepted.body.substr(0, 500));
  REQUIRE(accepted.status == 200);
  CHECK(accepted.json()["inserted"] == 3000);
  auto listed_all = api.get("/api/v1/customers?limit=1").json();
  CHECK(listed_all["total"] == 1000);  // counted up to the cap unless asked for count=exact
  CHECK(listed_all["total_exact"] == false);
  CHECK(api.get("/api/v1/customers?limit=1&count=exact").json()["total"] == 3000);
  // Ordinary routes keep the limit.
  auto refused = api.request("POST", "/api/v1/cases", "agent",
                             "{\"subject\":\"" + std::string(70 * 1024, 'x') + "\"}");
  CHECK(refused.status == 413);
}

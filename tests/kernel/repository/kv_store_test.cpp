#include <catch2/catch.hpp>

#include "repository/kv_store.hpp"
#include "test_databases.hpp"

using namespace cxloop::repository;
using cxloop::testing::test_backends;
using cxloop::testing::TestDatabase;

TEST_CASE("The key-value store puts, overwrites, gets and removes values per owner") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  KvStore kv(t.db());

  CHECK_FALSE(kv.get("email", "cursor").has_value());
  kv.put("email", "cursor", "42");
  kv.put("sms", "cursor", "7");
  CHECK(kv.get("email", "cursor") == std::optional<std::string>("42"));
  kv.put("email", "cursor", "43");
  CHECK(kv.get("email", "cursor") == std::optional<std::string>("43"));
  CHECK(kv.get("sms", "cursor") == std::optional<std::string>("7"));

  CHECK(kv.remove("email", "cursor"));
  CHECK_FALSE(kv.remove("email", "cursor"));
  CHECK_FALSE(kv.get("email", "cursor").has_value());
  CHECK(kv.get("sms", "cursor") == std::optional<std::string>("7"));
}

TEST_CASE("The key-value store keeps values byte for byte") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  KvStore kv(t.db());
  const std::string value = "{\"a\": \"quote ' and colon : and semicolon ;\", \"ü\": 1}\n";
  kv.put("plugin", "k:1", value);
  CHECK(kv.get("plugin", "k:1") == std::optional<std::string>(value));
  kv.put("plugin", "empty", "");
  CHECK(kv.get("plugin", "empty") == std::optional<std::string>(""));
}

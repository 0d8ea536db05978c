#include "workflow_fixture.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using cxloop::workflow::TokenService;
using nlohmann::json;

TEST_CASE("a token's secret is returned once and only its SHA-256 is stored") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json created = f.services.tokens.create({{"name", "ci"}, {"role", "agent"}}, f.agent);
  std::string secret = created.at("secret");
  CHECK(secret.rfind("cxl_", 0) == 0);
  CHECK(secret.size() == 4 + 64);
  CHECK_FALSE(created.at("token").contains("hash"));
  CHECK(f.services.tokens.list().dump().find(secret) == std::string::npos);
  CHECK(TokenService::hash_secret("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string stored;
  f.database.db().read(
      [&](soci::session& sql) { sql << "SELECT hash FROM tokens", soci::into(stored); });
  CHECK(stored == TokenService::hash_secret(secret));
  json other = f.services.tokens.create({{"name", "ci2"}, {"role", "agent"}}, f.agent);
  CHECK(other.at("secret") != secret);
}

TEST_CASE("authenticate accepts a live secret and refuses unknown and revoked ones") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  json created = f.services.tokens.create({{"name", "ops"}, {"role", "admin"}}, f.agent);
  std::string secret = created.at("secret");
  auto token = f.services.tokens.authenticate(secret);
  REQUIRE(token);
  CHECK(token->at("role") == "admin");
  CHECK(f.services.tokens.get(token->at("id").get<std::int64_t>()).at("last_used_at").is_string());
  CHECK_FALSE(f.services.tokens.authenticate(secret + "0"));
  CHECK_FALSE(f.services.tokens.authenticate("not-a-token"));

  json revoked = f.services.tokens.revoke(token->at("id").get<std::int64_t>(), f.agent);
  CHECK(revoked.at("revoked_at").is_string());
  CHECK_FALSE(f.services.tokens.authenticate(secret));
  CHECK_FALSE(f.services.tokens.find_by_hash(TokenService::hash_secret(secret)));
  // Revoking again keeps the first time.
  CHECK(f.services.tokens.revoke(token->at("id").get<std::int64_t>(), f.agent).at("revoked_at") ==
        revoked.at("revoked_at"));
}

TEST_CASE("token roles are checked and department tokens name their department") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  CHECK(error_kind([&] {
          f.services.tokens.create({{"name", "x"}, {"role", "root"}}, f.agent);
        }) == ErrorKind::invalid);
  CHECK(error_kind([&] {
          f.services.tokens.create({{"name", "x"}, {"role", "department"}}, f.agent);
        }) == ErrorKind::invalid);
  auto department = f.services.departments.create({{"name", "finance"}}, f.agent);
  json token = f.services.tokens.create(
      {{"name", "finance bot"}, {"role", "department"}, {"department_id", department.at("id")}},
      f.agent);
  CHECK(token.at("token").at("department_id") == department.at("id"));
}

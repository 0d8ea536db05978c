#include <soci/soci.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "repository/migrations.hpp"
#include "test_databases.hpp"

using namespace cxloop::repository;
using cxloop::testing::test_backends;
using cxloop::testing::TestDatabase;

namespace {

Backend backend_of(const std::string& name) {
  return name == "sqlite" ? Backend::sqlite : Backend::postgresql;
}

int count_rows(Database& db, const std::string& table) {
  int n = 0;
  db.read([&](soci::session& sql) { sql << "SELECT COUNT(*) FROM " + table, soci::into(n); });
  return n;
}

bool table_exists(Database& db, const std::string& table) {
  try {
    count_rows(db, table);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

TEST_CASE("Both backends ship the same migration versions") {
  const auto sqlite = embedded_migrations(Backend::sqlite);
  const auto postgresql = embedded_migrations(Backend::postgresql);
  REQUIRE_FALSE(sqlite.empty());
  CHECK(sqlite.front().name == "0001_foundation");
  REQUIRE(sqlite.size() == postgresql.size());
  for (std::size_t i = 0; i < sqlite.size(); ++i) CHECK(sqlite[i].name == postgresql[i].name);
}

TEST_CASE("Migrations apply once and are recorded with their checksums") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend, false);
  const auto files = embedded_migrations(backend_of(backend));

  const auto applied = apply_migrations(t.db());
  REQUIRE(applied.size() == files.size());
  CHECK(applied.front() == "0001_foundation");
  CHECK(table_exists(t.db(), "events"));
  CHECK(table_exists(t.db(), "outbox"));
  CHECK(table_exists(t.db(), "plugin_kv"));

  const auto status = migration_status(t.db());
  REQUIRE(status.size() == files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    CHECK(status[i].applied);
    CHECK(status[i].checksum_matches);
    CHECK(status[i].applied_checksum == sha256_hex(files[i].sql));
    CHECK(status[i].applied_checksum.size() == 64);
    CHECK(status[i].applied_at.size() == 24);
  }

  SECTION("re-running applies nothing") {
    CHECK(apply_migrations(t.db()).empty());
    CHECK(count_rows(t.db(), "schema_migrations") == static_cast<int>(files.size()));
  }
}

TEST_CASE("Status lists pending migrations before they are applied") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend, false);
  const auto status = migration_status(t.db());
  REQUIRE_FALSE(status.empty());
  for (const auto& s : status) CHECK_FALSE(s.applied);
}

TEST_CASE("An applied migration whose file changed is refused with both checksums") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend, false);
  const auto v1 = make_migration(backend, "0001_widgets.sql", "CREATE TABLE widgets (a TEXT);\n");
  REQUIRE(apply_migrations(t.db(), {v1}) == std::vector<std::string>{"0001_widgets"});

  const auto edited =
      make_migration(backend, "0001_widgets.sql", "CREATE TABLE widgets (a TEXT, b TEXT);\n");
  const auto next = make_migration(backend, "0002_gadgets.sql", "CREATE TABLE gadgets (a TEXT);\n");
  try {
    apply_migrations(t.db(), {edited, next});
    FAIL("the edited migration was accepted");
  } catch (const MigrationError& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Catch::Contains("migration 1"));
    CHECK_THAT(message, Catch::Contains(backend + "/0001_widgets.sql"));
    CHECK_THAT(message, Catch::Contains(v1.checksum));
    CHECK_THAT(message, Catch::Contains(edited.checksum));
  }
  // Nothing after the refusal was applied.
  CHECK_FALSE(table_exists(t.db(), "gadgets"));
  const auto status = migration_status(t.db(), {edited, next});
  REQUIRE(status.size() == 2);
  CHECK_FALSE(status[0].checksum_matches);
  CHECK_FALSE(status[1].applied);
}

TEST_CASE("A failing migration leaves no trace and names its file and statement") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend, false);
  const auto bad = make_migration(backend, "0001_broken.sql",
                                  "CREATE TABLE half_done (a TEXT);\n\nCREATE TABLE oops (;\n");
  try {
    apply_migrations(t.db(), {bad});
    FAIL("the broken migration was applied");
  } catch (const MigrationError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains(backend + "/0001_broken.sql"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("statement 2 (line 3)"));
  }
  CHECK_FALSE(table_exists(t.db(), "half_done"));
  CHECK(count_rows(t.db(), "schema_migrations") == 0);
}

TEST_CASE("Two migrators starting together apply each migration once") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend, false);
  auto other = t.open_another();
  std::vector<std::string> first, second;
  std::exception_ptr error1, error2;
  std::thread a([&] {
    try {
      first = apply_migrations(t.db());
    } catch (...) {
      error1 = std::current_exception();
    }
  });
  std::thread b([&] {
    try {
      second = apply_migrations(*other);
    } catch (...) {
      error2 = std::current_exception();
    }
  });
  a.join();
  b.join();
  if (error1) std::rethrow_exception(error1);
  if (error2) std::rethrow_exception(error2);

  std::vector<std::string> all = first;
  all.insert(all.end(), second.begin(), second.end());
  std::sort(all.begin(), all.end());
  std::vector<std::string> expected;
  for (const auto& m : embedded_migrations(backend_of(backend))) expected.push_back(m.name);
  CHECK(all == expected);
  CHECK(count_rows(t.db(), "schema_migrations") == static_cast<int>(expected.size()));
  other->close();
}

TEST_CASE("Migration files must be named NNNN_name.sql") {
  CHECK_THROWS_AS(make_migration("sqlite", "1_x.sql", ""), MigrationError);
  CHECK_THROWS_AS(make_migration("sqlite", "0001_x.txt", ""), MigrationError);
  CHECK(make_migration("sqlite", "0012_x.sql", "").version == 12);
}

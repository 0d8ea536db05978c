#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "repository/database.hpp"
#include "repository/sqlite_statement_cache.hpp"
#include "test_databases.hpp"

using namespace cxloop::repository;
using cxloop::testing::test_backends;
using cxloop::testing::TestDatabase;

namespace {

// A database file of its own under the tests' temporary directory, removed afterwards.
class ScratchFile {
 public:
  ScratchFile() {
    const char* build = std::getenv("CXLOOP_BUILD_DIR");
    const std::filesystem::path base =
        build != nullptr ? std::filesystem::path(build) / "test-tmp"
                         : std::filesystem::temp_directory_path() / "cxloop-tests";
    std::filesystem::create_directories(base);
    path_ = (base / (cxloop::testing::unique_test_name() + ".db")).string();
  }
  ~ScratchFile() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A plain SOCI session with a table of names, and a cache over it.
struct Names {
  ScratchFile file;
  soci::session session{soci::sqlite3, file.path()};
  Names() { session << "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"; }
};

std::int64_t insert_name(SqliteStatementCache& cache, const std::string& name) {
  auto statement = cache.prepare("INSERT INTO names (name) VALUES (:name) RETURNING id");
  statement.bind(statement.parameter(":name"), name);
  const bool returned = statement.step();  // outside REQUIRE, which would catch its exception
  REQUIRE(returned);
  return statement.integer(0);
}

std::vector<std::string> names_after(SqliteStatementCache& cache, std::int64_t id) {
  auto statement = cache.prepare("SELECT name FROM names WHERE id > :id ORDER BY id");
  statement.bind(statement.parameter(":id"), id);
  std::vector<std::string> out;
  while (statement.step()) out.push_back(statement.text(0));
  return out;
}

}  // namespace

TEST_CASE("A statement run again with new values is compiled once and returns each run's rows") {
  Names t;
  SqliteStatementCache cache(t.session);
  const std::int64_t ada = insert_name(cache, "ada");
  const std::int64_t bob = insert_name(cache, "bob");
  insert_name(cache, "cy");
  CHECK(bob == ada + 1);
  CHECK(names_after(cache, ada) == std::vector<std::string>{"bob", "cy"});
  CHECK(names_after(cache, bob) == std::vector<std::string>{"cy"});
  CHECK(names_after(cache, 0) == std::vector<std::string>{"ada", "bob", "cy"});
  CHECK(cache.compiled() == 2);
  CHECK(cache.size() == 2);
}

TEST_CASE("A statement whose run failed runs cleanly the next time") {
  Names t;
  SqliteStatementCache cache(t.session);
  insert_name(cache, "ada");
  try {
    insert_name(cache, "ada");
    FAIL("a second 'ada' was accepted");
  } catch (const DatabaseError& e) {
    CHECK_THAT(e.what(), Catch::Contains("UNIQUE") && Catch::Contains("INSERT INTO names"));
  }
  CHECK(insert_name(cache, "bob") > 0);
  // A read abandoned after its first row starts again from the first row.
  {
    auto statement = cache.prepare("SELECT name FROM names WHERE id > :id ORDER BY id");
    statement.bind(1, std::int64_t{0});
    REQUIRE(statement.step());
  }
  CHECK(names_after(cache, 0) == std::vector<std::string>{"ada", "bob"});
  CHECK(cache.compiled() == 2);
}

TEST_CASE("A statement text already being stepped gets a statement of its own") {
  Names t;
  SqliteStatementCache cache(t.session);
  for (const char* name : {"ada", "bob"}) insert_name(cache, name);
  std::vector<std::string> pairs;
  auto outer = cache.prepare("SELECT name FROM names WHERE id > :id ORDER BY id");
  outer.bind(1, std::int64_t{0});
  while (outer.step()) {
    for (const std::string& inner : names_after(cache, 0)) pairs.push_back(outer.text(0) + inner);
  }
  CHECK(pairs == std::vector<std::string>{"adaada", "adabob", "bobada", "bobbob"});
}

TEST_CASE("A parameter the statement does not have is refused by name") {
  Names t;
  SqliteStatementCache cache(t.session);
  auto statement = cache.prepare("SELECT name FROM names WHERE id = :id");
  CHECK_THROWS_WITH(statement.parameter(":key"),
                    Catch::Contains("':key'") && Catch::Contains("WHERE id = :id"));
}

TEST_CASE("Text that is not SQL is refused with SQLite's reason and the text") {
  Names t;
  SqliteStatementCache cache(t.session);
  CHECK_THROWS_WITH(cache.prepare("SELEC name FROM names"),
                    Catch::Contains("syntax error") && Catch::Contains("SELEC name"));
  CHECK(cache.size() == 0);
}

TEST_CASE("A full cache drops its least recently used statement and compiles it again later") {
  Names t;
  SqliteStatementCache cache(t.session, 2);
  insert_name(cache, "ada");
  names_after(cache, 0);
  cache.execute("SELECT 1");  // third text: the INSERT, least recently used, goes
  CHECK(cache.size() == 2);
  CHECK(insert_name(cache, "bob") > 0);
  CHECK(cache.compiled() == 4);
  CHECK(names_after(cache, 0) == std::vector<std::string>{"ada", "bob"});
}

TEST_CASE("Only the SQLite database's own connections have a statement cache") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  bool write_cached = false;
  bool read_cached = false;
  t.db().write(
      [&](soci::session& sql) { write_cached = SqliteStatementCache::of(sql) != nullptr; });
  t.db().read([&](soci::session& sql) { read_cached = SqliteStatementCache::of(sql) != nullptr; });
  CHECK(write_cached == (backend == "sqlite"));
  CHECK(read_cached == (backend == "sqlite"));
  Names plain;
  CHECK(SqliteStatementCache::of(plain.session) == nullptr);
}

TEST_CASE("Closing the SQLite database finalizes its cached statements, so the file is let go") {
  ScratchFile file;
  {
    auto db = Database::open({"sqlite:" + file.path()});
    db->write([](soci::session& sql) {
      sql << "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT UNIQUE)";
      insert_name(*SqliteStatementCache::of(sql), "ada");
    });
    db->read([](soci::session& sql) {
      CHECK(names_after(*SqliteStatementCache::of(sql), 0) == std::vector<std::string>{"ada"});
    });
    REQUIRE(std::filesystem::exists(file.path() + "-wal"));
    db->close();
  }
  // The last connection to close checkpoints the WAL and deletes it; a connection kept open
  // by an unfinalized statement would leave it behind.
  CHECK_FALSE(std::filesystem::exists(file.path() + "-wal"));
  soci::session again(soci::sqlite3, file.path());
  std::string name;
  again << "SELECT name FROM names", soci::into(name);
  CHECK(name == "ada");
}

#include <soci/soci.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "repository/postgresql_database.hpp"
#include "test_databases.hpp"

using namespace cxloop::repository;
using cxloop::testing::test_backends;
using cxloop::testing::TestDatabase;

namespace {

struct JobRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void insert_row(soci::session& sql, const std::string& owner, const std::string& key) {
  sql << "INSERT INTO plugin_kv (owner, key, value, updated_at) VALUES (:o, :k, 'v', 'now')",
      soci::use(owner), soci::use(key);
}

int count_owner(Database& db, const std::string& owner) {
  int n = 0;
  db.read([&](soci::session& sql) {
    sql << "SELECT COUNT(*) FROM plugin_kv WHERE owner = :o", soci::use(owner), soci::into(n);
  });
  return n;
}

}  // namespace

TEST_CASE("Writes from many threads all commit and a failing job rolls back only itself") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  constexpr int kThreads = 8;
  constexpr int kJobs = 40;
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kJobs; ++j) {
        const bool fails = j % 5 == 0;
        try {
          t.db().write([&](soci::session& sql) {
            insert_row(sql, fails ? "failed" : "ok", std::to_string(i) + ":" + std::to_string(j));
            if (fails) throw JobRefused("job " + std::to_string(j) + " refused");
          });
        } catch (const JobRefused&) {
          ++refused;
        } catch (...) {
          ++unexpected;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(unexpected == 0);
  CHECK(refused == kThreads * kJobs / 5);
  CHECK(count_owner(t.db(), "ok") == kThreads * kJobs * 4 / 5);
  CHECK(count_owner(t.db(), "failed") == 0);
}

TEST_CASE("A database error inside a job reaches its caller and spares other writes") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  t.db().write([](soci::session& sql) { insert_row(sql, "dup", "k"); });
  CHECK_THROWS_AS(t.db().write([](soci::session& sql) {
    insert_row(sql, "dup", "other");
    insert_row(sql, "dup", "k");  // primary key violation
  }),
                  soci::soci_error);
  t.db().write([](soci::session& sql) { insert_row(sql, "dup", "after"); });
  CHECK(count_owner(t.db(), "dup") == 2);
}

TEST_CASE("A committed write is visible to the next read") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  for (int i = 0; i < 20; ++i) {
    t.db().write([&](soci::session& sql) { insert_row(sql, "raw", std::to_string(i)); });
    CHECK(count_owner(t.db(), "raw") == i + 1);
  }
}

TEST_CASE("A write job may call write and read re-entrantly without deadlock") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  int seen_inside = -1;
  t.db().write([&](soci::session& sql) {
    insert_row(sql, "nested", "outer");
    t.db().write([&](soci::session& inner) { insert_row(inner, "nested", "inner"); });
    CHECK_THROWS_AS(t.db().write([&](soci::session& inner) {
      insert_row(inner, "nested", "rolled-back");
      throw JobRefused("inner job refused");
    }),
                    JobRefused);
    seen_inside = count_owner(t.db(), "nested");  // the job's own uncommitted rows
  });
  CHECK(seen_inside == 2);
  CHECK(count_owner(t.db(), "nested") == 2);
}

TEST_CASE("A closed database refuses further work") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  auto db = t.open_another(1);
  CHECK(db->ping());
  db->close();
  CHECK_THROWS_AS(db->write([](soci::session&) {}), DatabaseError);
  CHECK_THROWS_AS(db->read([](soci::session&) {}), DatabaseError);
  CHECK_FALSE(db->ping());
}

TEST_CASE("An unknown database URL scheme is refused naming the accepted forms") {
  try {
    Database::open({"mysql://localhost/cx"});
    FAIL("an unknown scheme was accepted");
  } catch (const DatabaseError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("mysql://localhost/cx"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("sqlite:PATH"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("postgresql://"));
  }
}

TEST_CASE("SQLite needs a database file, not an in-memory database") {
  CHECK_THROWS_AS(Database::open({"sqlite::memory:"}), DatabaseError);
  CHECK_THROWS_AS(Database::open({"sqlite:"}), DatabaseError);
}

TEST_CASE("SQLite creates the parent directories of its file") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cxloop-db-test-" + cxloop::testing::unique_test_name());
  {
    auto db = Database::open({"sqlite:" + (dir / "a" / "b" / "cx.db").string()});
    CHECK(db->backend() == Backend::sqlite);
    CHECK(db->ping());
    db->close();
  }
  CHECK(std::filesystem::exists(dir / "a" / "b" / "cx.db"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("PostgreSQL URLs become libpq connection strings") {
  CHECK(
      postgresql_connection_string("postgresql://u%40x:p%27w@db.example:5433/cx?sslmode=disable") ==
      "host='db.example' port='5433' dbname='cx' user='u@x' password='p\\'w' sslmode='disable'");
  CHECK(postgresql_connection_string("postgres://h/cx") == "host='h' dbname='cx'");
  CHECK_THROWS_WITH(postgresql_connection_string("postgresql://h/"),
                    Catch::Contains("names no database"));
}

TEST_CASE("An unreachable PostgreSQL server is reported with its address") {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  CHECK_THROWS_WITH(Database::open({"postgresql://nobody@127.0.0.1:1/cx?connect_timeout=2"}),
                    Catch::Contains("127.0.0.1:1/cx"));
}

TEST_CASE("after_commit actions run once their write has committed, and not when it rolls back") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  // A second Database on the same data sees only what has committed.
  std::unique_ptr<Database> other = t.open_another();
  std::vector<std::string> ran;
  std::vector<int> seen_by_other;

  // Outside a write job an action runs at once.
  t.db().after_commit([&] { ran.push_back("at once"); });
  REQUIRE(ran == std::vector<std::string>{"at once"});
  ran.clear();

  t.db().write([&](soci::session& sql) {
    insert_row(sql, "after-commit", "outer");
    t.db().after_commit([&] {
      ran.push_back("outer");
      seen_by_other.push_back(count_owner(*other, "after-commit"));
    });
    // An inline write that commits with the outer job: its action waits for that commit too.
    t.db().write([&](soci::session& inner) {
      insert_row(inner, "after-commit", "inner");
      t.db().after_commit([&] { ran.push_back("inner"); });
    });
    // An inline write that fails: its row and its action are both undone.
    CHECK_THROWS_AS(t.db().write([&](soci::session& inner) {
      insert_row(inner, "after-commit", "failed inner");
      t.db().after_commit([&] { ran.push_back("failed inner"); });
      throw JobRefused("inner refused");
    }),
                    JobRefused);
    CHECK(ran.empty());  // nothing runs before the commit
  });
  CHECK(ran == std::vector<std::string>{"outer", "inner"});
  // The outer action saw both committed rows from another connection.
  CHECK(seen_by_other == std::vector<int>{2});

  // A job that fails as a whole runs none of its actions.
  ran.clear();
  CHECK_THROWS_AS(t.db().write([&](soci::session& sql) {
    insert_row(sql, "after-commit", "refused");
    t.db().after_commit([&] { ran.push_back("refused"); });
    throw JobRefused("outer refused");
  }),
                  JobRefused);
  CHECK(ran.empty());
  CHECK(count_owner(t.db(), "after-commit") == 2);

  // An action that throws is logged; the commit stands and the next action still runs.
  t.db().write([&](soci::session& sql) {
    insert_row(sql, "after-commit", "third");
    t.db().after_commit([] { throw std::runtime_error("action failed"); });
    t.db().after_commit([&] { ran.push_back("after a failed action"); });
  });
  CHECK(ran == std::vector<std::string>{"after a failed action"});
  CHECK(count_owner(t.db(), "after-commit") == 3);
}

// Fresh, isolated databases for tests, on every backend a repository test must cover.
//
//   for a TEST_CASE:  auto backend = GENERATE(from_range(cxloop::testing::test_backends()));
//                     cxloop::testing::TestDatabase t(backend);   // migrated, empty
//                     t.db().write(...);
//
// SQLite: a new temporary file per TestDatabase, deleted afterwards. PostgreSQL: the server
// started by the "postgresql" CTest fixture (its URL is read from the file named by
// CXLOOP_PG_ENV, or from CXLOOP_TEST_PG_URL); each TestDatabase gets its own schema (via
// search_path), dropped afterwards, so tests never see each other's rows. When the server is
// not available the PostgreSQL variant fails loudly; set CXLOOP_TEST_SKIP_PG=1 to run on
// SQLite only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <soci/soci.h>

#include "repository/database.hpp"
#include "repository/migrations.hpp"

namespace cxloop::testing {

inline bool postgresql_skipped() {
  const char* skip = std::getenv("CXLOOP_TEST_SKIP_PG");
  return skip != nullptr && std::string(skip) == "1";
}

// "sqlite" always; "postgresql" unless CXLOOP_TEST_SKIP_PG=1.
inline std::vector<std::string> test_backends() {
  if (postgresql_skipped()) return {"sqlite"};
  return {"sqlite", "postgresql"};
}

// The URL of the fixture's server. Throws (failing the test) when it is not running.
inline std::string test_postgresql_url() {
  if (const char* url = std::getenv("CXLOOP_TEST_PG_URL"); url != nullptr && *url != '\0')
    return url;
  const char* env_file = std::getenv("CXLOOP_PG_ENV");
  const std::string path = env_file != nullptr ? env_file : "";
  std::ifstream in(path);
  std::string line;
  const std::string prefix = "CXLOOP_TEST_PG_URL=";
  while (in && std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  throw std::runtime_error(
      "no PostgreSQL test server: the env file '" + path +
      "' (CXLOOP_PG_ENV) is missing or has no CXLOOP_TEST_PG_URL line. Run the test through "
      "ctest, whose 'postgresql' fixture starts the server (install the Debian package "
      "'postgresql' if postgresql_start fails), or set CXLOOP_TEST_SKIP_PG=1 to test SQLite "
      "only.");
}

inline std::string unique_test_name() {
  static std::atomic<int> counter{0};
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  return "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(ticks % 1000000007);
}

class TestDatabase {
 public:
  // backend: "sqlite" or "postgresql". migrate: apply the embedded migrations.
  explicit TestDatabase(const std::string& backend, bool migrate = true) : backend_(backend) {
    const std::string name = unique_test_name();
    if (backend == "sqlite") {
      const char* build = std::getenv("CXLOOP_BUILD_DIR");
      const std::filesystem::path base =
          build != nullptr ? std::filesystem::path(build) / "test-tmp"
                           : std::filesystem::temp_directory_path() / "cxloop-tests";
      std::filesystem::create_directories(base);
      file_ = (base / (name + ".db")).string();
      url_ = "sqlite:" + file_;
    } else if (backend == "postgresql") {
      const std::string server = test_postgresql_url();
      schema_ = name;
      admin_ = repository::Database::open({server, 1});
      admin_->write([&](soci::session& sql) { sql << "CREATE SCHEMA " + schema_; });
      url_ = server + (server.find('?') == std::string::npos ? "?" : "&") +
             "options=-csearch_path%3D" + schema_;
    } else {
      throw std::invalid_argument("unknown test backend '" + backend +
                                  "'; use 'sqlite' or 'postgresql'");
    }
    db_ = open_another();
    if (migrate) repository::apply_migrations(*db_);
  }

  ~TestDatabase() {
    try {
      if (db_) db_->close();
      db_.reset();
      if (admin_) {
        admin_->write([&](soci::session& sql) {
          sql << "SET LOCAL client_min_messages TO warning";  // no NOTICE per dropped table
          sql << "DROP SCHEMA " + schema_ + " CASCADE";
        });
        admin_->close();
      }
      if (!file_.empty())
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file_ + suffix);
    } catch (...) {
      // Cleanup problems must not hide the test's own result.
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  repository::Database& db() { return *db_; }
  const std::string& backend() const { return backend_; }
  // Opens the same database state again (a second node, a second process's view).
  const std::string& url() const { return url_; }
  std::unique_ptr<repository::Database> open_another(int readers = 4) const {
    repository::DatabaseOptions options;
    options.url = url_;
    options.readers = readers;
    return repository::Database::open(options);
  }

 private:
  std::string backend_;
  std::string url_;
  std::string file_;
  std::string schema_;
  std::unique_ptr<repository::Database> admin_;
  std::unique_ptr<repository::Database> db_;
};

}  // namespace cxloop::testing

#include "repository/migrations.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <map>

#include "migrations/embedded_migrations.hpp"
#include "repository/clock.hpp"
#include "repository/migration_script.hpp"

namespace cxloop::repository {
namespace {

// pg_advisory_lock key for migrations: "cxloop" in ASCII, so it is recognisable in pg_locks.
constexpr const char* kAdvisoryLockKey = "109368866467696";

struct AppliedRow {
  std::string name;
  std::string checksum;
  std::string applied_at;
};

// Runs one statement exactly as written, bypassing SOCI's ":name" placeholder parsing so
// PostgreSQL casts ("::text") and colons in literals reach the server untouched.
void execute_verbatim(soci::session& sql, Backend backend, const std::string& statement) {
  if (backend == Backend::sqlite) {
    auto* conn = static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
    char* message = nullptr;
    if (sqlite_api::sqlite3_exec(conn, statement.c_str(), nullptr, nullptr, &message) !=
        SQLITE_OK) {
      std::string text = message != nullptr ? message : "unknown SQLite error";
      sqlite_api::sqlite3_free(message);
      throw DatabaseError(text);
    }
    return;
  }
  PGconn* conn = static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
  PGresult* result = PQexec(conn, statement.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string text = PQresultErrorMessage(result);
    PQclear(result);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    throw DatabaseError(text.empty() ? "unknown PostgreSQL error" : text);
  }
  PQclear(result);
}

void ensure_table(soci::session& sql, Backend backend) {
  execute_verbatim(sql, backend,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " version INTEGER PRIMARY KEY,"
                   " name TEXT NOT NULL,"
                   " checksum TEXT NOT NULL,"
                   " applied_at TEXT NOT NULL)");
}

std::map<int, AppliedRow> applied_rows(soci::session& sql) {
  std::map<int, AppliedRow> rows;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT version, name, checksum, applied_at FROM schema_migrations");
  for (const soci::row& r : rs) {
    // SQLite reports INTEGER columns as long long; PostgreSQL INTEGER as int.
    const int version = r.get_properties(0).get_data_type() == soci::dt_integer
                            ? r.get<int>(0)
                            : static_cast<int>(r.get<long long>(0));
    rows[version] = {r.get<std::string>(1), r.get<std::string>(2), r.get<std::string>(3)};
  }
  return rows;
}

bool table_exists(soci::session& sql, Backend backend) {
  int count = 0;
  if (backend == Backend::sqlite)
    sql << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
           "'schema_migrations'",
        soci::into(count);
  else
    sql << "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' "
           "AND schemaname = current_schema()",
        soci::into(count);
  return count > 0;
}

void check_unchanged(const Migration& m, const AppliedRow& row) {
  if (row.checksum != m.checksum)
    throw MigrationError("migration " + std::to_string(m.version) + " (" + m.file +
                         ") was applied with checksum " + row.checksum +
                         " but the file now has checksum " + m.checksum +
                         "; restore the applied file and put the change in a new migration");
}

// Holds the PostgreSQL advisory lock for the duration of a migration run.
class AdvisoryLock {
 public:
  AdvisoryLock(soci::session& sql, Backend backend) : sql_(sql), backend_(backend) {
    if (backend_ == Backend::postgresql)
      execute_verbatim(sql_, backend_,
                       std::string("SELECT pg_advisory_lock(") + kAdvisoryLockKey + ")");
  }
  ~AdvisoryLock() {
    if (backend_ != Backend::postgresql) return;
    try {
      execute_verbatim(sql_, backend_,
                       std::string("SELECT pg_advisory_unlock(") + kAdvisoryLockKey + ")");
    } catch (...) {
      // The lock is released with the session anyway if the connection is gone.
    }
  }
  AdvisoryLock(const AdvisoryLock&) = delete;
  AdvisoryLock& operator=(const AdvisoryLock&) = delete;

 private:
  soci::session& sql_;
  Backend backend_;
};

bool apply_one(soci::session& sql, Backend backend, const Migration& m) {
  execute_verbatim(sql, backend, backend == Backend::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    // Another migrator (another process on the same SQLite file) may have applied it since
    // we looked; the write lock we now hold makes this answer final.
    const auto rows = applied_rows(sql);
    if (auto it = rows.find(m.version); it != rows.end()) {
      check_unchanged(m, it->second);
      execute_verbatim(sql, backend, "COMMIT");
      return false;
    }
    const auto statements = split_migration_script(m.sql);
    for (std::size_t i = 0; i < statements.size(); ++i) {
      try {
        execute_verbatim(sql, backend, statements[i].sql);
      } catch (const DatabaseError& e) {
        throw MigrationError("migration " + m.file + " failed at statement " +
                             std::to_string(i + 1) + " (line " +
                             std::to_string(statements[i].line) + "): " + e.what());
      }
    }
    const std::string now = now_rfc3339();
    sql << "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
           "VALUES (:v, :n, :c, :a)",
        soci::use(m.version), soci::use(m.name), soci::use(m.checksum), soci::use(now);
    execute_verbatim(sql, backend, "COMMIT");
    return true;
  } catch (...) {
    try {
      execute_verbatim(sql, backend, "ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

}  // namespace

std::string sha256_hex(const std::string& bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

Migration make_migration(const std::string& backend_folder, const std::string& file_name,
                         const std::string& sql) {
  const std::string file = backend_folder + "/" + file_name;
  const std::string suffix = ".sql";
  if (file_name.size() < 6 + suffix.size() || file_name[4] != '_' ||
      !std::all_of(file_name.begin(), file_name.begin() + 4,
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      file_name.compare(file_name.size() - suffix.size(), suffix.size(), suffix) != 0)
    throw MigrationError("migration file " + file + " must be named NNNN_name.sql");
  Migration m;
  m.version = std::stoi(file_name.substr(0, 4));
  m.name = file_name.substr(0, file_name.size() - suffix.size());
  m.file = file;
  m.sql = sql;
  m.checksum = sha256_hex(sql);
  return m;
}

std::vector<Migration> embedded_migrations(Backend backend) {
  const std::string folder = backend == Backend::sqlite ? "sqlite" : "postgresql";
  std::vector<Migration> out;
  for (const auto& e : migrations::embedded_migrations())
    if (e.backend == folder) out.push_back(make_migration(e.backend, e.file, e.sql));
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].version == out[i - 1].version)
      throw MigrationError("migration files " + out[i - 1].file + " and " + out[i].file +
                           " share version " + std::to_string(out[i].version) +
                           "; renumber one of them");
  return out;
}

std::vector<std::string> apply_migrations(Database& db) {
  return apply_migrations(db, embedded_migrations(db.backend()));
}

std::vector<std::string> apply_migrations(Database& db, const std::vector<Migration>& migrations) {
  const Backend backend = db.backend();
  std::vector<Migration> ordered = migrations;
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  std::vector<std::string> applied;
  db.exclusive([&](soci::session& sql) {
    AdvisoryLock lock(sql, backend);
    ensure_table(sql, backend);
    // Refuse before changing anything when an applied file was edited.
    const auto rows = applied_rows(sql);
    for (const Migration& m : ordered)
      if (auto it = rows.find(m.version); it != rows.end()) check_unchanged(m, it->second);
    for (const Migration& m : ordered) {
      if (rows.count(m.version) != 0) continue;
      if (apply_one(sql, backend, m)) applied.push_back(m.name);
    }
  });
  return applied;
}

std::vector<MigrationStatus> migration_status(Database& db) {
  return migration_status(db, embedded_migrations(db.backend()));
}

std::vector<MigrationStatus> migration_status(Database& db,
                                              const std::vector<Migration>& migrations) {
  std::map<int, AppliedRow> rows;
  const Backend backend = db.backend();
  db.read([&](soci::session& sql) {
    if (table_exists(sql, backend)) rows = applied_rows(sql);
  });
  std::map<int, MigrationStatus> all;
  for (const Migration& m : migrations) {
    MigrationStatus& s = all[m.version];
    s.version = m.version;
    s.name = m.name;
    s.file = m.file;
    s.checksum = m.checksum;
  }
  for (const auto& [version, row] : rows) {
    MigrationStatus& s = all[version];
    s.version = version;
    if (s.name.empty()) s.name = row.name;
    s.applied = true;
    s.applied_checksum = row.checksum;
    s.applied_at = row.applied_at;
    s.checksum_matches = !s.file.empty() && s.checksum == row.checksum;
  }
  std::vector<MigrationStatus> out;
  for (auto& [version, s] : all) out.push_back(std::move(s));
  return out;
}

}  // namespace cxloop::repository

// Schema migrations: the numbered SQL files of kernel/migrations/<backend>/, embedded in the
// kernel, applied in order at start-up (or by `cxloopctl migrate`) and recorded in
// schema_migrations with a SHA-256 checksum of the file.
//
// Applying holds a lock so several nodes starting together apply each migration once
// (SQLite: the writer thread plus BEGIN IMMEDIATE per migration; PostgreSQL: a session-level
// advisory lock). Each migration runs in its own transaction together with its
// schema_migrations row. A migration that was applied and whose file has since changed is
// refused: edit history by adding a new file, never by changing an applied one.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "repository/database.hpp"

namespace cxloop::repository {

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Migration {
  int version = 0;   // NNNN of the file name
  std::string name;  // "0001_foundation"
  std::string file;  // "sqlite/0001_foundation.sql", as shown in messages
  std::string sql;
  std::string checksum;  // SHA-256 of sql, lower-case hex
};

struct MigrationStatus {
  int version = 0;
  std::string name;
  std::string file;      // empty when the database has a version no file describes
  std::string checksum;  // of the file
  bool applied = false;
  std::string applied_checksum;  // recorded when it was applied
  std::string applied_at;        // RFC 3339 UTC
  bool checksum_matches = true;  // false: the file changed after it was applied, or is gone
};

// The embedded migrations of backend, ordered by version. Throws MigrationError when two
// files share a version.
std::vector<Migration> embedded_migrations(Backend backend);
// Builds a migration from a file name "NNNN_name.sql" and its text (for tests and tools).
Migration make_migration(const std::string& backend_folder, const std::string& file_name,
                         const std::string& sql);

// Applies the pending embedded migrations of db's backend; returns the names applied
// ("0001_foundation"), empty when the schema was up to date.
std::vector<std::string> apply_migrations(Database& db);
std::vector<std::string> apply_migrations(Database& db, const std::vector<Migration>& migrations);

// Every known version: the files, and versions recorded in the database without a file.
std::vector<MigrationStatus> migration_status(Database& db);
std::vector<MigrationStatus> migration_status(Database& db,
                                              const std::vector<Migration>& migrations);

std::string sha256_hex(const std::string& bytes);

}  // namespace cxloop::repository

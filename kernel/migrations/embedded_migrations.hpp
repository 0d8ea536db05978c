// The schema migration files of both backends, compiled into the kernel so a deployed server
// needs no SQL files on disk. The .cpp is generated at build time from
// kernel/migrations/<backend>/NNNN_name.sql by embed_migrations.cmake.
#pragma once

#include <string>
#include <vector>

namespace cxloop::migrations {

struct EmbeddedMigration {
  std::string backend;  // "sqlite" or "postgresql" (the folder name)
  std::string file;     // "0001_foundation.sql"
  std::string sql;      // the file's bytes
};

// Every embedded file, sorted by backend then file name.
const std::vector<EmbeddedMigration>& embedded_migrations();

}  // namespace cxloop::migrations

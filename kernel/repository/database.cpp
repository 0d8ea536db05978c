#include "repository/database.hpp"

#include <Poco/Logger.h>

#include "repository/postgresql_database.hpp"
#include "repository/sqlite_database.hpp"

namespace cxloop::repository {

std::unique_ptr<Database> Database::open(const DatabaseOptions& options) {
  const std::string& url = options.url;
  if (url.rfind("sqlite:", 0) == 0) return std::make_unique<SqliteDatabase>(url.substr(7), options);
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return std::make_unique<PostgresqlDatabase>(options);
  throw DatabaseError("database url '" + url +
                      "' has an unknown scheme; use 'sqlite:PATH' (for example "
                      "'sqlite:data/cxloop.db') or 'postgresql://user:password@host:port/dbname'");
}

void run_after_commit(std::vector<std::function<void()>>& actions) {
  for (auto& fn : actions) {
    try {
      fn();
    } catch (const std::exception& e) {
      Poco::Logger::get("cxloop.repository")
          .error("an after-commit action failed (the commit stands): %s", std::string(e.what()));
    }
  }
}

}  // namespace cxloop::repository

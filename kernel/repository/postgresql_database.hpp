// The PostgreSQL backend: pools of sessions; each write runs in its own transaction and
// each read in a read-only REPEATABLE READ transaction. See database.hpp for the contract.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "repository/database.hpp"
#include "repository/session_pool.hpp"

namespace cxloop::repository {

// Converts "postgresql://user:pass@host:port/dbname?key=value" (or "postgres://...") into a
// libpq "key='value' ..." connection string. Query parameters pass through as libpq keywords
// (sslmode, options, connect_timeout, ...). Throws DatabaseError naming what is missing.
std::string postgresql_connection_string(const std::string& url);

class PostgresqlDatabase : public Database {
 public:
  explicit PostgresqlDatabase(const DatabaseOptions& options);
  ~PostgresqlDatabase() override;

  Backend backend() const override { return Backend::postgresql; }
  void write(const Job& job) override;
  void read(const Job& job) override;
  void exclusive(const Job& job) override;
  void after_commit(std::function<void()> fn) override;
  bool ping() noexcept override;
  void close() override;

 private:
  void check_open() const;

  std::string url_;
  // Separate pools so a burst of writes cannot starve reads (and the reverse).
  std::unique_ptr<SessionPool> readers_;
  std::unique_ptr<SessionPool> writers_;
  std::atomic<bool> closed_{false};
};

}  // namespace cxloop::repository

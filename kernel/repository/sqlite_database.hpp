// The SQLite backend: one file, WAL mode, one writer thread doing group commit, and a pool
// of read-only connections. See database.hpp for the contract.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "repository/database.hpp"
#include "repository/session_pool.hpp"
#include "repository/sqlite_statement_cache.hpp"

namespace cxloop::repository {

class SqliteDatabase : public Database {
 public:
  // path: the database file; its parent directories are created.
  SqliteDatabase(const std::string& path, const DatabaseOptions& options);
  ~SqliteDatabase() override;

  Backend backend() const override { return Backend::sqlite; }
  void write(const Job& job) override;
  void read(const Job& job) override;
  void exclusive(const Job& job) override;
  void after_commit(std::function<void()> fn) override;
  bool ping() noexcept override;
  void close() override;

 private:
  struct Pending {
    const Job* job;
    bool exclusive;  // run outside the batch transaction, alone
    std::promise<void> done;
  };

  void submit(const Job& job, bool exclusive);
  void writer_loop();
  void run_batch(std::deque<Pending*>& batch);
  // Runs (committed) or drops the after_commit callbacks gathered so far.
  void finish_after_commit(bool committed);
  std::unique_ptr<soci::session> open_session(bool read_only) const;

  std::string path_;
  DatabaseOptions options_;
  std::unique_ptr<soci::session> writer_session_;
  std::unique_ptr<SessionPool> readers_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending*> queue_;
  bool closing_ = false;
  std::thread writer_;
  std::thread::id writer_id_;
  // after_commit callbacks of the jobs the writer thread is running (only it touches them).
  std::vector<std::function<void()>> after_commit_;
  // One per connection (writer and readers); declared last so they are destroyed, and their
  // statements finalized, before the sessions close.
  std::vector<std::unique_ptr<SqliteStatementCache>> statements_;
  SqliteStatementCache* writer_statements_ = nullptr;
};

}  // namespace cxloop::repository

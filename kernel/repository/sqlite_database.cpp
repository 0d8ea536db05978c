#include "repository/sqlite_database.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <vector>

namespace cxloop::repository {
namespace {

// Nesting depth of inline (re-entrant) writes on the writer thread; names their savepoints.
thread_local int inline_depth = 0;

void run_in_savepoint(soci::session& sql, SqliteStatementCache& statements,
                      const Database::Job& job, const std::string& name) {
  statements.execute("SAVEPOINT " + name);
  try {
    job(sql);
  } catch (...) {
    statements.execute("ROLLBACK TO " + name);
    statements.execute("RELEASE " + name);
    throw;
  }
  statements.execute("RELEASE " + name);
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::string& path, const DatabaseOptions& options)
    : path_(path), options_(options) {
  if (path_.empty() || path_ == ":memory:" || path_.rfind("file:", 0) == 0)
    throw DatabaseError("database url '" + options.url +
                        "' must name a database file, as in 'sqlite:data/cxloop.db'");
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      throw DatabaseError("cannot create the directory '" + parent.string() +
                          "' for the SQLite database: " + ec.message());
  }
  writer_session_ = open_session(false);
  std::string mode;
  *writer_session_ << "PRAGMA journal_mode=WAL", soci::into(mode);
  if (mode != "wal")
    throw DatabaseError("SQLite database '" + path_ + "' refused WAL mode (journal_mode is '" +
                        mode + "'); put it on a local file system");
  *writer_session_ << "PRAGMA synchronous=FULL";
  statements_.push_back(std::make_unique<SqliteStatementCache>(*writer_session_));
  writer_statements_ = statements_.back().get();
  const std::size_t readers = options.readers > 0 ? static_cast<std::size_t>(options.readers) : 1;
  readers_ = std::make_unique<SessionPool>(readers, [this] {
    std::unique_ptr<soci::session> session = open_session(true);
    statements_.push_back(std::make_unique<SqliteStatementCache>(*session));
    return session;
  });
  writer_ = std::thread([this] { writer_loop(); });
  writer_id_ = writer_.get_id();
}

SqliteDatabase::~SqliteDatabase() {
  try {
    close();
  } catch (...) {
  }
}

std::unique_ptr<soci::session> SqliteDatabase::open_session(bool read_only) const {
  // SOCI reads "key=value" options when the string holds '='; a bare string is the file name.
  const std::string connect = path_.find('=') == std::string::npos ? path_ : "db=\"" + path_ + "\"";
  std::unique_ptr<soci::session> sql;
  try {
    sql = std::make_unique<soci::session>(soci::sqlite3, connect);
    *sql << "PRAGMA busy_timeout=" + std::to_string(options_.busy_timeout.count());
    *sql << "PRAGMA foreign_keys=ON";
    // Each group-committed job runs in its own SAVEPOINT, whose statement journal would
    // otherwise be a temporary file written with a syscall per page: keep it in memory.
    *sql << "PRAGMA temp_store=MEMORY";
    if (read_only) *sql << "PRAGMA query_only=ON";
  } catch (const soci::soci_error& e) {
    throw DatabaseError("cannot open SQLite database '" + path_ + "': " + e.what());
  }
  return sql;
}

void SqliteDatabase::write(const Job& job) {
  if (std::this_thread::get_id() == writer_id_) {
    ++inline_depth;
    const std::size_t callbacks_before = after_commit_.size();
    try {
      run_in_savepoint(*writer_session_, *writer_statements_, job,
                       "inline" + std::to_string(inline_depth));
    } catch (...) {
      --inline_depth;
      after_commit_.resize(callbacks_before);
      throw;
    }
    --inline_depth;
    return;
  }
  submit(job, false);
}

void SqliteDatabase::exclusive(const Job& job) {
  if (std::this_thread::get_id() == writer_id_) {
    job(*writer_session_);
    return;
  }
  submit(job, true);
}

void SqliteDatabase::after_commit(std::function<void()> fn) {
  if (std::this_thread::get_id() == writer_id_) {
    after_commit_.push_back(std::move(fn));
    return;
  }
  fn();
}

void SqliteDatabase::finish_after_commit(bool committed) {
  std::vector<std::function<void()>> callbacks;
  callbacks.swap(after_commit_);
  if (!committed) return;
  run_after_commit(callbacks);
}

void SqliteDatabase::submit(const Job& job, bool exclusive) {
  Pending pending{&job, exclusive, {}};
  std::future<void> done = pending.done.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) throw DatabaseError("the SQLite database '" + path_ + "' is closed");
    queue_.push_back(&pending);
  }
  wake_.notify_one();
  done.get();
}

void SqliteDatabase::read(const Job& job) {
  if (std::this_thread::get_id() == writer_id_) {
    job(*writer_session_);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) throw DatabaseError("the SQLite database '" + path_ + "' is closed");
  }
  SessionPool::Lease lease = readers_->acquire();
  soci::session& sql = lease.session();
  SqliteStatementCache& statements = *SqliteStatementCache::of(sql);
  // A read transaction pins one WAL snapshot for all of the job's statements.
  statements.execute("BEGIN");
  try {
    job(sql);
  } catch (...) {
    try {
      statements.execute("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
  statements.execute("COMMIT");
}

bool SqliteDatabase::ping() noexcept {
  try {
    int one = 0;
    read([&](soci::session& sql) { sql << "SELECT 1", soci::into(one); });
    return one == 1;
  } catch (...) {
    return false;
  }
}

void SqliteDatabase::close() {
  if (std::this_thread::get_id() == writer_id_)
    throw DatabaseError("close() was called from inside a write job; call it after the job");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void SqliteDatabase::writer_loop() {
  const std::size_t max_batch =
      options_.max_batch > 0 ? static_cast<std::size_t>(options_.max_batch) : 1;
  for (;;) {
    std::deque<Pending*> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, and everything queued has been run
      if (queue_.front()->exclusive) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      } else {
        while (!queue_.empty() && !queue_.front()->exclusive && batch.size() < max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
    }
    if (batch.front()->exclusive) {
      Pending* p = batch.front();
      try {
        (*p->job)(*writer_session_);
        finish_after_commit(true);
        p->done.set_value();
      } catch (...) {
        finish_after_commit(false);
        // A job that failed mid-transaction must not leave it open for the next batch.
        try {
          *writer_session_ << "ROLLBACK";
        } catch (...) {
        }
        p->done.set_exception(std::current_exception());
      }
      continue;
    }
    run_batch(batch);
  }
}

void SqliteDatabase::run_batch(std::deque<Pending*>& batch) {
  soci::session& sql = *writer_session_;
  SqliteStatementCache& statements = *writer_statements_;
  std::vector<std::exception_ptr> errors(batch.size());
  auto fail_all = [&](const std::string& message) {
    finish_after_commit(false);
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i]->done.set_exception(errors[i] ? errors[i]
                                             : std::make_exception_ptr(DatabaseError(message)));
  };

  try {
    statements.execute("BEGIN IMMEDIATE");
  } catch (const std::exception& e) {
    fail_all("cannot start a write transaction on SQLite database '" + path_ +
             "' (another process may hold its write lock longer than busy_timeout): " + e.what());
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      statements.execute("SAVEPOINT job");
    } catch (const std::exception& e) {
      try {
        statements.execute("ROLLBACK");
      } catch (...) {
      }
      fail_all(std::string("write batch aborted: ") + e.what());
      return;
    }
    const std::size_t callbacks_before = after_commit_.size();
    try {
      (*batch[i]->job)(sql);
      statements.execute("RELEASE job");
    } catch (...) {
      errors[i] = std::current_exception();
      after_commit_.resize(callbacks_before);  // the job's changes are undone, so are its effects
      try {
        statements.execute("ROLLBACK TO job");
        statements.execute("RELEASE job");
      } catch (const std::exception& e) {
        try {
          statements.execute("ROLLBACK");
        } catch (...) {
        }
        fail_all(std::string("write batch aborted while undoing a failed job: ") + e.what());
        return;
      }
    }
  }
  try {
    statements.execute("COMMIT");
  } catch (const std::exception& e) {
    try {
      statements.execute("ROLLBACK");
    } catch (...) {
    }
    // Nothing of the batch is durable, so every job fails, even those that ran cleanly.
    std::fill(errors.begin(), errors.end(), nullptr);
    fail_all("commit of a batch of " + std::to_string(batch.size()) + " writes to '" + path_ +
             "' failed: " + e.what());
    return;
  }
  finish_after_commit(true);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (errors[i])
      batch[i]->done.set_exception(errors[i]);
    else
      batch[i]->done.set_value();
  }
}

}  // namespace cxloop::repository

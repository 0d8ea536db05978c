// The shared repository's connection layer: which backend, how reads and writes reach it.
//
// SQLite (embedded default): one writer thread owns the only write connection and commits
// the writes queued by concurrent callers together in one BEGIN IMMEDIATE transaction (group
// commit), each job inside its own SAVEPOINT so one failing job does not fail the others.
// Readers use a pool of read-only connections (WAL lets them run beside the writer).
// PostgreSQL: a pool of sessions; each write runs in its own transaction.
//
// Callers never see which backend runs a job except through backend(), which SQL text that
// differs between backends may consult. SOCI types stay out of this header.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace cxloop::repository {

enum class Backend { sqlite, postgresql };

struct DatabaseOptions {
  // "sqlite:PATH" (PATH relative to the working directory) or a PostgreSQL URL
  // "postgresql://user:pass@host:port/dbname".
  std::string url;
  int readers = 4;                               // pooled read connections
  std::chrono::milliseconds busy_timeout{5000};  // SQLite busy timeout
  int max_batch = 256;                           // SQLite: most jobs in one group commit
};

// Thrown when the backend cannot be reached or a statement fails for infrastructure reasons.
class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Database {
 public:
  using Job = std::function<void(soci::session&)>;

  virtual ~Database() = default;

  // Opens the backend named by options.url. Throws DatabaseError naming the URL's problem.
  static std::unique_ptr<Database> open(const DatabaseOptions& options);

  virtual Backend backend() const = 0;

  // Runs job inside a write transaction and returns once it is durably committed. An
  // exception thrown by job rolls back that job only and is rethrown here. Called from inside
  // a write job (re-entrantly), job runs inline on the caller's transaction.
  virtual void write(const Job& job) = 0;

  // Runs fn once the write job this thread is running has committed; drops it if that job, or
  // the inline job fn was registered in, rolls back. Outside a write job fn runs at once. For
  // effects outside the database that must not be seen before the commit, such as publishing
  // the change events of a write that runs inline inside another (an outbox batch recording
  // its plugins' answers): subscribers must not read a change that is not there yet.
  virtual void after_commit(std::function<void()> fn) = 0;

  // Runs job on a read connection (a consistent snapshot for its duration). Called from
  // inside a write job, it runs on that job's transaction and sees its uncommitted writes.
  virtual void read(const Job& job) = 0;

  // Runs job on a write session outside any transaction; the job opens and commits its own
  // transactions. No other write of this Database runs meanwhile on SQLite (the job runs on
  // the writer thread); on PostgreSQL the session is the job's alone for its duration. For
  // work that must hold a session-level lock across transactions: migrations.
  virtual void exclusive(const Job& job) = 0;

  // True when a trivial query succeeds (for /readyz).
  virtual bool ping() noexcept = 0;

  // Stops the writer after draining queued jobs. Further calls throw DatabaseError.
  virtual void close() = 0;
};

// For the backends: runs the after_commit actions of a committed job in order; one that throws
// is logged and the others still run (the commit stands either way).
void run_after_commit(std::vector<std::function<void()>>& actions);

}  // namespace cxloop::repository

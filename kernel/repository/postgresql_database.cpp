#include "repository/postgresql_database.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

namespace cxloop::repository {
namespace {

// The session a write job of this thread is running on, so re-entrant write() and read()
// calls join that transaction instead of waiting for a second pooled session.
thread_local soci::session* current_write_session = nullptr;
thread_local const PostgresqlDatabase* current_write_database = nullptr;
// The after_commit callbacks of that write job.
thread_local std::vector<std::function<void()>>* current_after_commit = nullptr;

std::string quote_libpq(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

class WriteScope {
 public:
  WriteScope(soci::session& sql, const PostgresqlDatabase* db,
             std::vector<std::function<void()>>* after_commit) {
    current_write_session = &sql;
    current_write_database = db;
    current_after_commit = after_commit;
  }
  ~WriteScope() {
    current_write_session = nullptr;
    current_write_database = nullptr;
    current_after_commit = nullptr;
  }
};

}  // namespace

std::string postgresql_connection_string(const std::string& url) {
  const std::string accepted = "use 'postgresql://user:password@host:port/dbname'";
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw DatabaseError("database url '" + url + "' is not a valid URL (" + e.displayText() +
                        "); " + accepted);
  }
  if (uri.getScheme() != "postgresql" && uri.getScheme() != "postgres")
    throw DatabaseError("database url '" + url + "' is not a PostgreSQL URL; " + accepted);
  std::string dbname = uri.getPath();
  if (!dbname.empty() && dbname.front() == '/') dbname.erase(0, 1);
  if (dbname.empty())
    throw DatabaseError("database url '" + url + "' names no database; " + accepted);

  std::string out;
  auto add = [&out](const std::string& key, const std::string& value) {
    if (!out.empty()) out += ' ';
    out += key + "=" + quote_libpq(value);
  };
  if (!uri.getHost().empty()) add("host", uri.getHost());
  if (uri.getPort() != 0) add("port", std::to_string(uri.getPort()));
  add("dbname", dbname);
  const std::string user_info = uri.getUserInfo();
  if (!user_info.empty()) {
    const std::size_t colon = user_info.find(':');
    std::string user, password;
    Poco::URI::decode(user_info.substr(0, colon), user);
    add("user", user);
    if (colon != std::string::npos) {
      Poco::URI::decode(user_info.substr(colon + 1), password);
      add("password", password);
    }
  }
  for (const auto& [key, value] : uri.getQueryParameters()) add(key, value);
  return out;
}

PostgresqlDatabase::PostgresqlDatabase(const DatabaseOptions& options) : url_(options.url) {
  const std::string connect = postgresql_connection_string(options.url);
  const std::string where = Poco::URI(options.url).getHost() + ":" +
                            std::to_string(Poco::URI(options.url).getPort()) +
                            Poco::URI(options.url).getPath();
  auto factory = [connect, where]() {
    try {
      return std::make_unique<soci::session>(soci::postgresql, connect);
    } catch (const soci::soci_error& e) {
      throw DatabaseError("cannot connect to PostgreSQL at " + where + ": " + e.what());
    }
  };
  const std::size_t size = options.readers > 0 ? static_cast<std::size_t>(options.readers) : 1;
  readers_ = std::make_unique<SessionPool>(size, factory);
  writers_ = std::make_unique<SessionPool>(size, factory);
}

PostgresqlDatabase::~PostgresqlDatabase() = default;

void PostgresqlDatabase::check_open() const {
  if (closed_) throw DatabaseError("the PostgreSQL database is closed");
}

void PostgresqlDatabase::write(const Job& job) {
  if (current_write_database == this) {
    // Re-entrant: a savepoint keeps the inner job's failure from aborting the outer one.
    soci::session& sql = *current_write_session;
    const std::size_t callbacks_before = current_after_commit->size();
    sql << "SAVEPOINT inline_job";
    try {
      job(sql);
    } catch (...) {
      current_after_commit->resize(callbacks_before);
      sql << "ROLLBACK TO SAVEPOINT inline_job";
      sql << "RELEASE SAVEPOINT inline_job";
      throw;
    }
    sql << "RELEASE SAVEPOINT inline_job";
    return;
  }
  check_open();
  std::vector<std::function<void()>> committed;
  {
    SessionPool::Lease lease = writers_->acquire();
    soci::session& sql = lease.session();
    WriteScope scope(sql, this, &committed);
    try {
      soci::transaction tx(sql);
      job(sql);
      tx.commit();
    } catch (...) {
      lease.mark_failed();
      throw;
    }
  }
  // After the session is back in the pool and this thread's write scope has ended, so the
  // actions may write themselves.
  run_after_commit(committed);
}

void PostgresqlDatabase::after_commit(std::function<void()> fn) {
  if (current_write_database == this) {
    current_after_commit->push_back(std::move(fn));
    return;
  }
  fn();
}

void PostgresqlDatabase::read(const Job& job) {
  if (current_write_database == this) {
    job(*current_write_session);
    return;
  }
  check_open();
  SessionPool::Lease lease = readers_->acquire();
  soci::session& sql = lease.session();
  try {
    sql << "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY";
    job(sql);
  } catch (...) {
    lease.mark_failed();
    try {
      sql << "ROLLBACK";
    } catch (...) {
    }
    throw;
  }
  sql << "COMMIT";
}

void PostgresqlDatabase::exclusive(const Job& job) {
  check_open();
  SessionPool::Lease lease = writers_->acquire();
  soci::session& sql = lease.session();
  try {
    job(sql);
  } catch (...) {
    lease.mark_failed();
    // Leave no transaction open on a session that goes back to the pool.
    PGconn* conn = static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
      try {
        sql << "ROLLBACK";
      } catch (...) {
      }
    }
    throw;
  }
}

bool PostgresqlDatabase::ping() noexcept {
  try {
    int one = 0;
    read([&](soci::session& sql) { sql << "SELECT 1", soci::into(one); });
    return one == 1;
  } catch (...) {
    return false;
  }
}

void PostgresqlDatabase::close() { closed_ = true; }

}  // namespace cxloop::repository

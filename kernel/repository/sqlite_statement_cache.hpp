// Prepared SQLite statements of one connection, compiled once and reused by SQL text.
//
// SOCI compiles every statement from text on each execution; on the single SQLite writer that
// compile (sqlite3_prepare) and the statement's teardown were most of the time an intake
// spent. SqliteDatabase gives each of its connections a cache; code that runs SQL on a session
// asks SqliteStatementCache::of(session) and falls back to SOCI when there is none (PostgreSQL,
// or a session opened elsewhere). A cache is used by one thread at a time, like its session,
// and finalizes its statements when destroyed, before the connection closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace soci {
class session;
}

namespace cxloop::repository {

class SqliteStatementCache {
 public:
  // session must be a SOCI sqlite3 session; it must outlive the cache. Registers the cache
  // so of(session) finds it. capacity: most statements kept (least recently used go first).
  explicit SqliteStatementCache(soci::session& session, std::size_t capacity = 256);
  ~SqliteStatementCache();
  SqliteStatementCache(const SqliteStatementCache&) = delete;
  SqliteStatementCache& operator=(const SqliteStatementCache&) = delete;

  // The cache of the connection behind session, or nullptr when it has none.
  static SqliteStatementCache* of(const soci::session& session);

  // What a result column was declared as (its table column's type), which SOCI uses to choose
  // a column's C++ type; expression columns have no declared type.
  enum class Declared { none, integer, real, text, other };
  // How a value is stored in this row.
  enum class Stored { null, integer, real, text, blob };

  // One use of a cached statement: bind, step through its rows, and on destruction the
  // statement is reset and its bindings cleared, whether the use succeeded or threw.
  class Statement {
   public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    // The 1-based index of the named parameter (":p1"); throws DatabaseError naming it and
    // the statement when the statement has no such parameter.
    int parameter(const std::string& name) const;
    void bind_null(int index);
    void bind(int index, std::int64_t value);
    void bind(int index, const std::string& value);

    // Runs to the next row: true when there is one, false when the statement is done.
    // Throws DatabaseError with SQLite's message and the statement's text.
    bool step();
    // Steps until done, ignoring rows.
    void run();

    int columns() const;
    std::string name(int column) const;
    Declared declared(int column) const;
    Stored stored(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;

   private:
    friend class SqliteStatementCache;
    Statement(SqliteStatementCache& cache, sqlite3_stmt* statement, bool* busy,
              const std::string* sql);
    [[noreturn]] void fail() const;
    const std::string& sql() const { return sql_ != nullptr ? *sql_ : own_sql_; }

    SqliteStatementCache* cache_;
    sqlite3_stmt* statement_;
    bool* busy_;              // the cache entry's in-use flag; nullptr for a one-off statement
    const std::string* sql_;  // the cache entry's text; nullptr for a one-off statement
    std::string own_sql_;     // the text of a one-off statement
  };

  // The statement for sql, compiled on first use. A text already in use further up the call
  // stack gets a one-off statement of its own.
  Statement prepare(const std::string& sql);
  // Runs a statement without parameters or rows (BEGIN, SAVEPOINT x, COMMIT ...).
  void execute(const std::string& sql);

  // Statements kept now, and statements compiled since the cache was made (for tests).
  std::size_t size() const { return entries_.size(); }
  std::size_t compiled() const { return compiled_; }

 private:
  struct Entry {
    std::string sql;
    sqlite3_stmt* statement = nullptr;
    bool busy = false;
  };

  sqlite3_stmt* compile(const std::string& sql, bool persistent);
  void evict_one();

  const soci::session* session_;
  sqlite3* connection_;
  std::size_t capacity_;
  std::size_t compiled_ = 0;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace cxloop::repository

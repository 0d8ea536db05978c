#include <sqlite3.h>

// SOCI's sqlite3 header includes <sqlite3.h> inside namespace sqlite_api; with the real header
// already included at global scope that inner include is empty, so the names it needs are
// brought into the namespace here. conn_ is then the same sqlite3 the C API takes.
namespace sqlite_api {
using ::sqlite3;
using ::sqlite3_destructor_type;
using ::sqlite3_int64;
using ::sqlite3_stmt;
}  // namespace sqlite_api

#include "repository/sqlite_statement_cache.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cctype>
#include <mutex>
#include <shared_mutex>

#include "repository/database.hpp"

namespace cxloop::repository {
namespace {

// Which cache belongs to which session. Written when a connection opens or closes, read on
// every statement; a shared lock keeps readers from waiting on each other.
std::shared_mutex registry_mutex;
std::unordered_map<const soci::session*, SqliteStatementCache*>& registry() {
  static std::unordered_map<const soci::session*, SqliteStatementCache*> caches;
  return caches;
}

sqlite3* connection_of(soci::session& session) {
  // libsoci_sqlite3 exports no type information for a dynamic_cast; the name says the type.
  if (session.get_backend() == nullptr || session.get_backend_name() != "sqlite3")
    throw DatabaseError("a statement cache needs an open SOCI sqlite3 session");
  auto* backend = static_cast<soci::sqlite3_session_backend*>(session.get_backend());
  if (backend->conn_ == nullptr)
    throw DatabaseError("a statement cache needs an open SOCI sqlite3 session");
  return backend->conn_;
}

// SOCI's reading of a declared column type: integer and real families by name, the rest text.
SqliteStatementCache::Declared declared_kind(const char* declared) {
  using Declared = SqliteStatementCache::Declared;
  if (declared == nullptr) return Declared::none;
  std::string type;
  for (const char* c = declared; *c != '\0'; ++c) {
    if (*c == '(') break;
    if (*c != ' ') type += static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
  }
  if (type == "integer" || type == "int" || type == "bigint" || type == "smallint" ||
      type == "tinyint" || type == "mediumint" || type == "int2" || type == "int8" ||
      type == "boolean")
    return Declared::integer;
  if (type == "real" || type == "double" || type == "doubleprecision" || type == "float" ||
      type == "numeric" || type == "decimal" || type == "number")
    return Declared::real;
  if (type == "text" || type == "char" || type == "varchar" || type == "clob" ||
      type == "nvarchar" || type == "nchar" || type == "character")
    return Declared::text;
  return Declared::other;
}

}  // namespace

SqliteStatementCache::SqliteStatementCache(soci::session& session, std::size_t capacity)
    : session_(&session),
      connection_(connection_of(session)),
      capacity_(capacity > 0 ? capacity : 1) {
  std::unique_lock<std::shared_mutex> lock(registry_mutex);
  registry()[session_] = this;
}

SqliteStatementCache::~SqliteStatementCache() {
  {
    std::unique_lock<std::shared_mutex> lock(registry_mutex);
    auto it = registry().find(session_);
    if (it != registry().end() && it->second == this) registry().erase(it);
  }
  // An unfinalized statement keeps sqlite3_close from closing the connection.
  for (Entry& entry : entries_) sqlite3_finalize(entry.statement);
}

SqliteStatementCache* SqliteStatementCache::of(const soci::session& session) {
  std::shared_lock<std::shared_mutex> lock(registry_mutex);
  auto it = registry().find(&session);
  return it == registry().end() ? nullptr : it->second;
}

sqlite3_stmt* SqliteStatementCache::compile(const std::string& sql, bool persistent) {
  sqlite3_stmt* statement = nullptr;
  const int code =
      sqlite3_prepare_v3(connection_, sql.c_str(), static_cast<int>(sql.size() + 1),
                         persistent ? SQLITE_PREPARE_PERSISTENT : 0, &statement, nullptr);
  if (code != SQLITE_OK) {
    sqlite3_finalize(statement);
    throw DatabaseError(std::string("SQLite cannot prepare a statement: ") +
                        sqlite3_errmsg(connection_) + " (statement: " + sql + ")");
  }
  if (statement == nullptr)
    throw DatabaseError("SQLite statement text holds no statement: '" + sql + "'");
  ++compiled_;
  return statement;
}

void SqliteStatementCache::evict_one() {
  for (auto it = entries_.end(); it != entries_.begin();) {
    --it;
    if (it->busy) continue;
    sqlite3_finalize(it->statement);
    index_.erase(it->sql);
    entries_.erase(it);
    return;
  }
}

SqliteStatementCache::Statement SqliteStatementCache::prepare(const std::string& sql) {
  auto found = index_.find(sql);
  if (found != index_.end()) {
    Entry& entry = *found->second;
    if (entry.busy) {
      // The same text is being stepped further up the stack: give this use its own.
      Statement one_off(*this, compile(sql, false), nullptr, nullptr);
      one_off.own_sql_ = sql;
      return one_off;
    }
    entries_.splice(entries_.begin(), entries_, found->second);
    entry.busy = true;
    return Statement(*this, entry.statement, &entry.busy, &entry.sql);
  }
  sqlite3_stmt* statement = compile(sql, true);
  if (entries_.size() >= capacity_) evict_one();
  entries_.push_front(Entry{sql, statement, true});
  index_.emplace(sql, entries_.begin());
  return Statement(*this, statement, &entries_.front().busy, &entries_.front().sql);
}

void SqliteStatementCache::execute(const std::string& sql) { prepare(sql).run(); }

SqliteStatementCache::Statement::Statement(SqliteStatementCache& cache, sqlite3_stmt* statement,
                                           bool* busy, const std::string* sql)
    : cache_(&cache), statement_(statement), busy_(busy), sql_(sql) {}

SqliteStatementCache::Statement::Statement(Statement&& other) noexcept
    : cache_(other.cache_),
      statement_(other.statement_),
      busy_(other.busy_),
      sql_(other.sql_),
      own_sql_(std::move(other.own_sql_)) {
  other.statement_ = nullptr;
  other.busy_ = nullptr;
}

SqliteStatementCache::Statement::~Statement() {
  if (statement_ == nullptr) return;
  if (busy_ == nullptr) {
    sqlite3_finalize(statement_);
    return;
  }
  // The error of a failed step was reported by step(); reset returns it again, unneeded.
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  *busy_ = false;
}

void SqliteStatementCache::Statement::fail() const {
  throw DatabaseError(std::string("SQLite statement failed: ") +
                      sqlite3_errmsg(cache_->connection_) + " (statement: " + sql() + ")");
}

int SqliteStatementCache::Statement::parameter(const std::string& name) const {
  const int index = sqlite3_bind_parameter_index(statement_, name.c_str());
  if (index == 0)
    throw DatabaseError("the statement has no parameter '" + name + "' (statement: " + sql() + ")");
  return index;
}

void SqliteStatementCache::Statement::bind_null(int index) {
  if (sqlite3_bind_null(statement_, index) != SQLITE_OK) fail();
}

void SqliteStatementCache::Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) fail();
}

void SqliteStatementCache::Statement::bind(int index, const std::string& value) {
  if (sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    fail();
}

bool SqliteStatementCache::Statement::step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  fail();
}

void SqliteStatementCache::Statement::run() {
  while (step()) {
  }
}

int SqliteStatementCache::Statement::columns() const { return sqlite3_column_count(statement_); }

std::string SqliteStatementCache::Statement::name(int column) const {
  const char* text = sqlite3_column_name(statement_, column);
  return text != nullptr ? text : "";
}

SqliteStatementCache::Declared SqliteStatementCache::Statement::declared(int column) const {
  return declared_kind(sqlite3_column_decltype(statement_, column));
}

SqliteStatementCache::Stored SqliteStatementCache::Statement::stored(int column) const {
  switch (sqlite3_column_type(statement_, column)) {
    case SQLITE_INTEGER:
      return Stored::integer;
    case SQLITE_FLOAT:
      return Stored::real;
    case SQLITE_TEXT:
      return Stored::text;
    case SQLITE_BLOB:
      return Stored::blob;
    default:
      return Stored::null;
  }
}

std::int64_t SqliteStatementCache::Statement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double SqliteStatementCache::Statement::real(int column) const {
  return sqlite3_column_double(statement_, column);
}

std::string SqliteStatementCache::Statement::text(int column) const {
  const unsigned char* data = sqlite3_column_text(statement_, column);
  if (data == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(data),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

}  // namespace cxloop::repository

#include "workflow/sql_rows.hpp"

#include "repository/database.hpp"
#include "repository/sqlite_statement_cache.hpp"
#include "workflow/workflow_context.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <cstring>

namespace cxloop::workflow {
namespace {

using repository::SqliteStatementCache;

bool listed(std::initializer_list<const char*> names, const std::string& name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const char* candidate) { return name == candidate; });
}

// Binds every value; the deque holds the storage SOCI refers to until execution ends.
void bind_all(soci::statement& statement, std::deque<SqlQuery::Binding>& bindings,
              std::deque<soci::indicator>& indicators) {
  for (auto& entry : bindings) {
    indicators.push_back(entry.is_null ? soci::i_null : soci::i_ok);
    if (entry.is_number) {
      statement.exchange(soci::use(entry.number, indicators.back(), entry.name));
    } else {
      statement.exchange(soci::use(entry.text, indicators.back(), entry.name));
    }
  }
}

// Runs a statement whose values are bound as a one-time query, as `session << sql` does:
// the PostgreSQL backend sends it with PQexecParams, one round trip, where a prepared
// statement (session.prepare) costs three (PREPARE, EXECUTE, DEALLOCATE), and SqlQuery
// statements are built per request, so a prepared one is never reused. Returns whether a
// first row arrived.
bool execute_once(soci::statement& statement, const std::string& sql) {
  statement.alloc();
  statement.prepare(sql, soci::details::st_one_time_query);
  statement.define_and_bind();
  return statement.execute(true);
}

// Binds every value to a cached SQLite statement (which copies text values).
void bind_all(SqliteStatementCache::Statement& statement,
              const std::deque<SqlQuery::Binding>& bindings) {
  for (const auto& entry : bindings) {
    const int index = statement.parameter(":" + entry.name);
    if (entry.is_null) {
      statement.bind_null(index);
    } else if (entry.is_number) {
      statement.bind(index, static_cast<std::int64_t>(entry.number));
    } else {
      statement.bind(index, entry.text);
    }
  }
}

// One column of a cached statement's row, typed as SOCI types it (see column_value): by the
// declared type of the table column, text for expressions (count(*) arrives as text, as it
// does through SOCI), the stored type when the declared one is unfamiliar.
nlohmann::json column_value(const SqliteStatementCache::Statement& statement, int index) {
  using Declared = SqliteStatementCache::Declared;
  using Stored = SqliteStatementCache::Stored;
  const Stored stored = statement.stored(index);
  if (stored == Stored::null) return nullptr;
  switch (statement.declared(index)) {
    case Declared::integer:
      return statement.integer(index);
    case Declared::real:
      return statement.real(index);
    case Declared::other:
      if (stored == Stored::integer) return statement.integer(index);
      if (stored == Stored::real) return statement.real(index);
      return statement.text(index);
    case Declared::none:
    case Declared::text:
      break;
  }
  return statement.text(index);
}

// Stores a column's value under its name, parsing JSON columns and turning bool columns into
// true/false.
void put_column(nlohmann::json& out, const std::string& name, nlohmann::json value,
                std::initializer_list<const char*> json_columns,
                std::initializer_list<const char*> bool_columns) {
  if (value.is_string() && listed(json_columns, name)) {
    value = parse_stored_json(value.get<std::string>());
  } else if (value.is_number() && listed(bool_columns, name)) {
    value = value.get<long long>() != 0;
  }
  out[name] = std::move(value);
}

// A column typed by the value it holds (RETURNING columns have no declared type).
nlohmann::json stored_value(const SqliteStatementCache::Statement& statement, int index) {
  using Stored = SqliteStatementCache::Stored;
  switch (statement.stored(index)) {
    case Stored::null:
      return nullptr;
    case Stored::integer:
      return statement.integer(index);
    case Stored::real:
      return statement.real(index);
    case Stored::text:
    case Stored::blob:
      break;
  }
  return statement.text(index);
}

// The current row of a cached statement as an object keyed by column name.
nlohmann::json row_to_json(const SqliteStatementCache::Statement& statement,
                           std::initializer_list<const char*> json_columns,
                           std::initializer_list<const char*> bool_columns,
                           bool typed_by_value = false) {
  nlohmann::json out = nlohmann::json::object();
  const int columns = statement.columns();
  for (int i = 0; i < columns; ++i)
    put_column(out, statement.name(i),
               typed_by_value ? stored_value(statement, i) : column_value(statement, i),
               json_columns, bool_columns);
  return out;
}

// Every row of a statement run through the SQLite statement cache.
std::vector<nlohmann::json> cached_rows(SqliteStatementCache& cache, const std::string& sql,
                                        const std::deque<SqlQuery::Binding>& bindings,
                                        std::initializer_list<const char*> json_columns,
                                        std::initializer_list<const char*> bool_columns,
                                        bool typed_by_value) {
  SqliteStatementCache::Statement statement = cache.prepare(sql);
  bind_all(statement, bindings);
  std::vector<nlohmann::json> out;
  while (statement.step())
    out.push_back(row_to_json(statement, json_columns, bool_columns, typed_by_value));
  return out;
}

}  // namespace

SqlValue sql_value(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return *text;
}

SqlValue sql_value(const std::optional<std::int64_t>& number) {
  if (!number) return nullptr;
  return *number;
}

std::string row_lock(const WorkflowContext& context) {
  return context.db.backend() == repository::Backend::postgresql ? " FOR UPDATE" : "";
}

nlohmann::json column_value(const soci::row& row, std::size_t index) {
  if (row.get_indicator(index) == soci::i_null) return nullptr;
  switch (row.get_properties(index).get_data_type()) {
    case soci::dt_string:
      return row.get<std::string>(index);
    case soci::dt_integer:
      return row.get<int>(index);
    case soci::dt_long_long:
      return static_cast<std::int64_t>(row.get<long long>(index));
    case soci::dt_unsigned_long_long:
      return static_cast<std::uint64_t>(row.get<unsigned long long>(index));
    case soci::dt_double:
      return row.get<double>(index);
    default:
      // Dates, blobs and XML are not used by the domain schema; text keeps them visible.
      return row.get<std::string>(index);
  }
}

std::int64_t integer_value(const nlohmann::json& value) {
  if (value.is_string()) return std::stoll(value.get<std::string>());
  if (value.is_number()) return value.get<std::int64_t>();
  return 0;
}

std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

nlohmann::json parse_stored_json(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

nlohmann::json row_to_json(const soci::row& row, std::initializer_list<const char*> json_columns,
                           std::initializer_list<const char*> bool_columns) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < row.size(); ++i)
    put_column(out, row.get_properties(i).get_name(), column_value(row, i), json_columns,
               bool_columns);
  return out;
}

SqlQuery& SqlQuery::text(const std::string& sql) {
  sql_ += sql;
  return *this;
}

SqlQuery& SqlQuery::where(const std::string& clause) {
  sql_ += has_where_ ? " AND " : " WHERE ";
  has_where_ = true;
  sql_ += clause;
  return *this;
}

SqlQuery& SqlQuery::where(const std::string& clause, const std::string& value) {
  std::string filled = clause;
  for (auto pos = filled.find('$'); pos != std::string::npos; pos = filled.find('$', pos)) {
    std::string placeholder = bind(value);
    filled.replace(pos, 1, placeholder);
    pos += placeholder.size();
  }
  return where(filled);
}

SqlQuery& SqlQuery::where(const std::string& clause, std::int64_t value) {
  std::string filled = clause;
  for (auto pos = filled.find('$'); pos != std::string::npos; pos = filled.find('$', pos)) {
    std::string placeholder = bind(value);
    filled.replace(pos, 1, placeholder);
    pos += placeholder.size();
  }
  return where(filled);
}

SqlQuery& SqlQuery::where_in(const std::string& column, const std::vector<std::string>& values) {
  if (values.empty()) return *this;
  std::string clause = column + " IN (";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) clause += ", ";
    clause += bind(values[i]);
  }
  clause += ")";
  return where(clause);
}

std::string SqlQuery::bind(const std::string& value) { return bind(SqlValue(value)); }

std::string SqlQuery::bind(std::int64_t value) { return bind(SqlValue(value)); }

std::string SqlQuery::bind(const SqlValue& value) {
  Binding binding;
  binding.name = "p" + std::to_string(++next_);
  if (std::holds_alternative<std::nullptr_t>(value)) {
    binding.is_null = true;
  } else if (const auto* number = std::get_if<std::int64_t>(&value)) {
    binding.is_number = true;
    binding.number = *number;
  } else {
    binding.text = std::get<std::string>(value);
  }
  bindings_.push_back(binding);
  return ":" + binding.name;
}

std::vector<nlohmann::json> SqlQuery::rows(soci::session& session,
                                           std::initializer_list<const char*> json_columns,
                                           std::initializer_list<const char*> bool_columns) const {
  if (SqliteStatementCache* cache = SqliteStatementCache::of(session))
    return cached_rows(*cache, sql_, bindings_, json_columns, bool_columns, false);
  std::vector<nlohmann::json> out;
  // SOCI binds by reference; copies keep this method const and the values alive. Declared
  // before the statement, which refers to them until it is destroyed.
  auto bindings = bindings_;
  std::deque<soci::indicator> indicators;
  soci::row row;
  soci::statement statement(session);
  bind_all(statement, bindings, indicators);
  statement.exchange(soci::into(row));
  if (!execute_once(statement, sql_)) return out;
  do {
    out.push_back(row_to_json(row, json_columns, bool_columns));
  } while (statement.fetch());
  return out;
}

std::vector<nlohmann::json> SqlQuery::returned_rows(
    soci::session& session, std::initializer_list<const char*> json_columns,
    std::initializer_list<const char*> bool_columns) const {
  SqliteStatementCache* cache = SqliteStatementCache::of(session);
  if (cache == nullptr) return rows(session, json_columns, bool_columns);
  return cached_rows(*cache, sql_, bindings_, json_columns, bool_columns,
                     /*typed_by_value=*/true);
}

std::int64_t SqlQuery::scalar(soci::session& session) const {
  if (SqliteStatementCache* cache = SqliteStatementCache::of(session)) {
    SqliteStatementCache::Statement statement = cache->prepare(sql_);
    bind_all(statement, bindings_);
    if (!statement.step() || statement.stored(0) == SqliteStatementCache::Stored::null) return 0;
    return statement.integer(0);
  }
  auto bindings = bindings_;
  std::deque<soci::indicator> indicators;
  long long value = 0;
  soci::indicator indicator = soci::i_ok;
  soci::statement statement(session);
  bind_all(statement, bindings, indicators);
  statement.exchange(soci::into(value, indicator));
  if (!execute_once(statement, sql_)) return 0;
  return indicator == soci::i_null ? 0 : value;
}

void SqlQuery::execute(soci::session& session) const {
  if (SqliteStatementCache* cache = SqliteStatementCache::of(session)) {
    SqliteStatementCache::Statement statement = cache->prepare(sql_);
    bind_all(statement, bindings_);
    statement.run();
    return;
  }
  auto bindings = bindings_;
  std::deque<soci::indicator> indicators;
  soci::statement statement(session);
  bind_all(statement, bindings, indicators);
  execute_once(statement, sql_);
}

namespace {

SqlQuery insert_query(const std::string& table, const SqlFields& fields) {
  SqlQuery query("INSERT INTO " + table + " (");
  std::string values;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) {
      query.text(", ");
      values += ", ";
    }
    query.text(fields[i].first);
    values += query.bind(fields[i].second);
  }
  query.text(") VALUES (" + values + ")");
  return query;
}

}  // namespace

std::int64_t insert_returning_id(soci::session& session, const std::string& table,
                                 const SqlFields& fields) {
  SqlQuery query = insert_query(table, fields);
  query.text(" RETURNING id");
  return query.scalar(session);
}

nlohmann::json insert_returning_row(soci::session& session, const std::string& table,
                                    const SqlFields& fields, const std::string& columns,
                                    std::initializer_list<const char*> json_columns,
                                    std::initializer_list<const char*> bool_columns) {
  SqlQuery query = insert_query(table, fields);
  query.text(" RETURNING " + columns);
  std::vector<nlohmann::json> rows = query.returned_rows(session, json_columns, bool_columns);
  if (rows.empty()) throw repository::DatabaseError("INSERT INTO " + table + " returned no row");
  return std::move(rows.front());
}

void insert_row(soci::session& session, const std::string& table, const SqlFields& fields) {
  insert_query(table, fields).execute(session);
}

namespace {

SqlQuery update_query(const std::string& table, const std::string& key_column, std::int64_t key,
                      const SqlFields& fields) {
  SqlQuery query("UPDATE " + table + " SET ");
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) query.text(", ");
    query.text(fields[i].first + " = ");
    query.text(query.bind(fields[i].second));
  }
  query.text(" WHERE " + key_column + " = ");
  query.text(query.bind(key));
  return query;
}

}  // namespace

void update_row(soci::session& session, const std::string& table, const std::string& key_column,
                std::int64_t key, const SqlFields& fields) {
  if (fields.empty()) return;
  update_query(table, key_column, key, fields).execute(session);
}

std::optional<nlohmann::json> update_returning_row(
    soci::session& session, const std::string& table, const std::string& key_column,
    std::int64_t key, const SqlFields& fields, const std::string& columns,
    std::initializer_list<const char*> json_columns,
    std::initializer_list<const char*> bool_columns) {
  SqlQuery query = update_query(table, key_column, key, fields);
  query.text(" RETURNING " + columns);
  std::vector<nlohmann::json> rows = query.returned_rows(session, json_columns, bool_columns);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::optional<nlohmann::json> select_one(soci::session& session, const std::string& sql,
                                         std::int64_t key,
                                         std::initializer_list<const char*> json_columns,
                                         std::initializer_list<const char*> bool_columns) {
  if (SqliteStatementCache* cache = SqliteStatementCache::of(session)) {
    SqliteStatementCache::Statement statement = cache->prepare(sql);
    statement.bind(1, key);
    if (!statement.step()) return std::nullopt;
    return row_to_json(statement, json_columns, bool_columns);
  }
  long long bound = key;
  soci::row row;
  session << sql, soci::use(bound), soci::into(row);
  if (!session.got_data()) return std::nullopt;
  return row_to_json(row, json_columns, bool_columns);
}

}  // namespace cxloop::workflow

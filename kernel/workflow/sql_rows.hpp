// Reading SOCI rows into the JSON records the workflow services return, and running
// statements whose WHERE clause is assembled from optional filters. Private to the
// workflow component; callers outside it see only JSON.
#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace soci {
class session;
class row;
}  // namespace soci

namespace cxloop::workflow {

struct WorkflowContext;

// A value bound to a statement: NULL, text or an integer.
using SqlValue = std::variant<std::nullptr_t, std::string, std::int64_t>;
using SqlFields = std::vector<std::pair<std::string, SqlValue>>;

SqlValue sql_value(const std::optional<std::string>& text);
SqlValue sql_value(const std::optional<std::int64_t>& number);

// " FOR UPDATE" on PostgreSQL (row lock for read-modify-write); "" on SQLite, whose single
// writer already serialises write transactions.
std::string row_lock(const WorkflowContext& context);

// One column value as JSON: numbers, strings or null, whatever type the backend reports.
nlohmann::json column_value(const soci::row& row, std::size_t index);

// A row as an object keyed by column name; columns listed in json_columns hold JSON text and
// are parsed into values; columns in bool_columns become true/false.
nlohmann::json row_to_json(const soci::row& row,
                           std::initializer_list<const char*> json_columns = {},
                           std::initializer_list<const char*> bool_columns = {});

// A statement built piece by piece: clauses with named placeholders and the values they
// bind. Values are owned here, because SOCI binds by reference until execution.
class SqlQuery {
 public:
  explicit SqlQuery(std::string head) : sql_(std::move(head)) {}

  // Appends raw SQL text.
  SqlQuery& text(const std::string& sql);
  // Appends "WHERE clause" or "AND clause"; each $ in clause becomes a placeholder bound to
  // value (a fresh one per $: the PostgreSQL backend binds a repeated name only once).
  SqlQuery& where(const std::string& clause, const std::string& value);
  SqlQuery& where(const std::string& clause, std::int64_t value);
  // Appends a WHERE/AND clause without a value.
  SqlQuery& where(const std::string& clause);
  // Appends "WHERE/AND column IN (:p1, :p2, ...)"; nothing when values is empty.
  SqlQuery& where_in(const std::string& column, const std::vector<std::string>& values);
  // Binds a value to a fresh placeholder and returns it (":pN") for hand-written SQL.
  std::string bind(const std::string& value);
  std::string bind(std::int64_t value);
  std::string bind(const SqlValue& value);

  const std::string& sql() const { return sql_; }

  // Every row as JSON (see row_to_json).
  std::vector<nlohmann::json> rows(soci::session& session,
                                   std::initializer_list<const char*> json_columns = {},
                                   std::initializer_list<const char*> bool_columns = {}) const;
  // The rows an INSERT/UPDATE ... RETURNING gives back, as JSON like rows(). On SQLite the
  // values are typed by what they hold, as RETURNING columns declare no type.
  std::vector<nlohmann::json> returned_rows(
      soci::session& session, std::initializer_list<const char*> json_columns = {},
      std::initializer_list<const char*> bool_columns = {}) const;
  // The single integer the statement selects (count(*), RETURNING id, ...).
  std::int64_t scalar(soci::session& session) const;
  // Runs a statement that returns no rows.
  void execute(soci::session& session) const;

  struct Binding {
    std::string name;
    std::string text;
    long long number = 0;
    bool is_number = false;
    bool is_null = false;
  };

 private:
  std::string sql_;
  bool has_where_ = false;
  std::deque<Binding> bindings_;
  int next_ = 0;
};

// INSERT of the given columns; returns the new row's id (RETURNING id, both backends).
std::int64_t insert_returning_id(soci::session& session, const std::string& table,
                                 const SqlFields& fields);
// INSERT of the given columns returning the new row's columns (columns: "id, name, ...") as
// select_one would read them: one statement where an insert and a reload took two.
nlohmann::json insert_returning_row(soci::session& session, const std::string& table,
                                    const SqlFields& fields, const std::string& columns,
                                    std::initializer_list<const char*> json_columns = {},
                                    std::initializer_list<const char*> bool_columns = {});
// INSERT without a generated id (tables keyed by a foreign key).
void insert_row(soci::session& session, const std::string& table, const SqlFields& fields);
// UPDATE table SET fields WHERE key_column = key.
void update_row(soci::session& session, const std::string& table, const std::string& key_column,
                std::int64_t key, const SqlFields& fields);

// UPDATE table SET fields WHERE key_column = key, returning the updated row's columns; nullopt
// when no row has the key.
std::optional<nlohmann::json> update_returning_row(
    soci::session& session, const std::string& table, const std::string& key_column,
    std::int64_t key, const SqlFields& fields, const std::string& columns,
    std::initializer_list<const char*> json_columns = {},
    std::initializer_list<const char*> bool_columns = {});

// One row by a single-integer key, or nullopt.
std::optional<nlohmann::json> select_one(soci::session& session, const std::string& sql,
                                         std::int64_t key,
                                         std::initializer_list<const char*> json_columns = {},
                                         std::initializer_list<const char*> bool_columns = {});

// An integer a row carries: count(*) and other computed columns arrive as text on SQLite
// (no declared type) and as 64-bit integers on PostgreSQL; anything else reads as 0.
std::int64_t integer_value(const nlohmann::json& value);

// "%text%" for LIKE ... ESCAPE '\\', with the caller's %, _ and \\ matched literally.
std::string like_pattern(const std::string& text);

// Parses JSON text stored in a column; a corrupt value reads as null rather than failing
// the whole request.
nlohmann::json parse_stored_json(const std::string& text);

}  // namespace cxloop::workflow

// Splits a migration file into the statements it holds, so each runs on its own and an
// error names the statement that failed.
//
// The rule our migration files follow: a statement ends with ';' as the last code on its line
// (only whitespace or a "-- comment" may follow). A ';' elsewhere does not split: inside a
// line, in a string literal, in a "--" comment, in a PostgreSQL dollar-quoted body ($$...$$),
// or inside a block that BEGIN (SQLite CREATE TRIGGER bodies) or CASE opened and END has not
// yet closed. Statements holding nothing but comments are dropped. A final statement may omit
// its ';'.
#pragma once

#include <string>
#include <vector>

namespace cxloop::repository {

struct ScriptStatement {
  int line = 0;     // 1-based line where the statement starts (first non-blank line)
  std::string sql;  // without the terminating ';'
};

std::vector<ScriptStatement> split_migration_script(const std::string& script);

}  // namespace cxloop::repository

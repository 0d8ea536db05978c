// Splits a migration file into the statements it holds, so each runs on its own and an
// error names the statement that failed.
//
// The rule, which our migration files follow: a statement ends with ';' as the last thing on
// its line (only whitespace or a "-- comment" may follow). Lines that are only comments never
// end a statement, and statements holding nothing but comments are dropped. Semicolons inside
// a line (in string literals, for example) do not split. A final statement may omit the ';'.
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

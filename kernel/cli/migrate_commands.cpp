// cxloopctl migrate [--status]: bring the schema up to date, or show where it stands.
#include "cli/cli_command.hpp"

#include <iomanip>

#include "cli/cli_context.hpp"
#include "repository/migrations.hpp"

namespace cxloop::cli {

std::vector<Command> migrate_commands() {
  return {
      {"migrate", "migrate [--status yes]",
       "apply pending schema migrations (under a lock; safe beside running servers)",
       [](const Arguments& args, std::ostream& out, std::ostream&) {
         CliContext context(args.config_path, false);
         if (args.option("status", false) == "yes") {
           int pending = 0;
           for (const auto& status : repository::migration_status(context.db())) {
             out << std::setw(4) << std::setfill('0') << status.version << std::setfill(' ') << "  "
                 << std::left << std::setw(28) << status.name << std::right
                 << (status.applied ? "applied " + status.applied_at : "pending")
                 << (status.checksum_matches ? "" : "  CHECKSUM MISMATCH") << "\n";
             pending += status.applied ? 0 : 1;
           }
           out << pending << " pending\n";
           return 0;
         }
         auto applied = repository::apply_migrations(context.db());
         for (const auto& name : applied) out << "applied " << name << "\n";
         out << (applied.empty() ? "schema is up to date\n" : "");
         return 0;
       }},
  };
}

}  // namespace cxloop::cli

// cxloopctl token create|revoke|list: API tokens, shown once, stored as hashes.
#include "cli/cli_command.hpp"

#include <iomanip>

#include "cli/cli_context.hpp"

namespace cxloop::cli {

namespace {

const workflow::Actor kCliActor{"cli", "admin"};

std::string text(const nlohmann::json& value) {
  return value.is_null() ? "-" : value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::vector<Command> token_commands() {
  return {
      {"token create", "token create --role ROLE --name NAME [--department ID]",
       "create a token (admin, agent, department or ingest) and print its secret, once",
       [](const Arguments& args, std::ostream& out, std::ostream& err) {
         nlohmann::json fields{{"name", args.option("name")}, {"role", args.option("role")}};
         std::string department = args.option("department", false);
         if (!department.empty()) fields["department_id"] = department;
         CliContext context(args.config_path, true);
         auto created = context.domain().tokens.create(fields, kCliActor);
         // The secret alone on stdout, so scripts can capture it: TOKEN=$(cxloopctl ...).
         out << created["secret"].get<std::string>() << "\n";
         err << "created token " << created["token"]["id"] << " ("
             << fields["role"].get<std::string>()
             << "); store the secret now: it cannot be shown again\n";
         return 0;
       }},
      {"token revoke", "token revoke ID",
       "revoke a token; requests using it are refused from then on",
       [](const Arguments& args, std::ostream& out, std::ostream&) {
         const std::string& id = args.at(0, "the token id");
         if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
           throw UsageError("the token id must be a number, not '" + id + "'");
         }
         CliContext context(args.config_path, true);
         auto revoked = context.domain().tokens.revoke(std::stoll(id), kCliActor);
         out << "revoked token " << revoked["id"] << " (" << text(revoked["name"]) << ")\n";
         return 0;
       }},
      {"token list", "token list", "list tokens with role and state (never their secrets)",
       [](const Arguments& args, std::ostream& out, std::ostream&) {
         CliContext context(args.config_path, true);
         out << std::left << std::setw(6) << "ID" << std::setw(24) << "NAME" << std::setw(12)
             << "ROLE" << std::setw(26) << "CREATED"
             << "REVOKED\n";
         for (const auto& token : context.domain().tokens.list()) {
           out << std::setw(6) << text(token["id"]) << std::setw(24) << text(token["name"])
               << std::setw(12) << text(token["role"]) << std::setw(26) << text(token["created_at"])
               << text(token["revoked_at"]) << "\n";
         }
         return 0;
       }},
  };
}

}  // namespace cxloop::cli

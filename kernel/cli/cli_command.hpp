// cxloopctl's commands: each is a name, a one-line usage, and a function over the parsed
// arguments. main.cpp holds the table; adding a command is adding a row.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace cxloop::cli {

// Thrown for a command line the user must correct; main prints it with the usage and exits 64.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Arguments {
  std::string config_path;                     // --config FILE (or CXLOOP_CONFIG, or the default)
  std::vector<std::string> positional;         // after the command name
  std::map<std::string, std::string> options;  // --name value

  // The option's value; UsageError naming it when required and absent.
  std::string option(const std::string& name, bool required = true,
                     const std::string& fallback = "") const;
  const std::string& at(std::size_t index, const std::string& what) const;
};

struct Command {
  std::string name;   // "token create"
  std::string usage;  // "token create --role ROLE --name NAME [--department ID]"
  std::string help;
  std::function<int(const Arguments&, std::ostream& out, std::ostream& err)> run;
};

std::vector<Command> migrate_commands();
std::vector<Command> token_commands();
std::vector<Command> import_commands();
std::vector<Command> plugin_commands();
std::vector<Command> config_commands();

}  // namespace cxloop::cli

#include "cli/cli_command.hpp"

namespace cxloop::cli {

std::string Arguments::option(const std::string& name, bool required,
                              const std::string& fallback) const {
  auto it = options.find(name);
  if (it != options.end()) return it->second;
  if (required) throw UsageError("missing --" + name);
  return fallback;
}

const std::string& Arguments::at(std::size_t index, const std::string& what) const {
  if (index >= positional.size()) throw UsageError("missing " + what);
  return positional[index];
}

}  // namespace cxloop::cli

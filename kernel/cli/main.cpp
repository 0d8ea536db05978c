// cxloopctl: the admin command line. It reads the same config file as cxloopd and works on
// the same repository through the same workflow services. Commands live in *_commands.cpp,
// one table row each.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_command.hpp"
#include "config/config.hpp"
#include "workflow/domain_error.hpp"

namespace {

using cxloop::cli::Command;

std::vector<Command> all_commands() {
  std::vector<Command> commands;
  for (auto group : {cxloop::cli::migrate_commands(), cxloop::cli::token_commands(),
                     cxloop::cli::import_commands(), cxloop::cli::plugin_commands(),
                     cxloop::cli::config_commands()}) {
    commands.insert(commands.end(), group.begin(), group.end());
  }
  return commands;
}

void print_usage(std::ostream& out, const std::vector<Command>& commands) {
  out << "usage: cxloopctl [--config FILE] COMMAND [ARGS]\n\n"
         "FILE defaults to $CXLOOP_CONFIG, else config/cxloop.json.\n\ncommands:\n";
  for (const auto& command : commands) {
    out << "  " << command.usage << "\n      " << command.help << "\n";
  }
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string::size_type start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

}  // namespace

int main(int argc, char** argv) {
  const auto commands = all_commands();
  std::vector<std::string> args(argv + 1, argv + argc);
  cxloop::cli::Arguments parsed;
  const char* env_config = std::getenv("CXLOOP_CONFIG");
  parsed.config_path = env_config != nullptr ? env_config : "config/cxloop.json";

  std::vector<std::string> words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h" || arg == "help") {
      print_usage(std::cout, commands);
      return 0;
    }
    if (arg == "--version") {
      std::cout << "cxloopctl " << CXLOOP_VERSION << "\n";
      return 0;
    }
    if (arg.rfind("--", 0) != 0) {
      words.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      std::cerr << "cxloopctl: option --" << name << " needs a value\n";
      return 64;
    }
    if (name == "config") {
      parsed.config_path = value;
    } else {
      parsed.options[name] = value;
    }
  }

  // The longest command name that prefixes the words wins ("token create" over "token").
  const Command* chosen = nullptr;
  std::size_t chosen_words = 0;
  for (const auto& command : commands) {
    auto name_words = split_words(command.name);
    if (name_words.size() <= words.size() &&
        std::equal(name_words.begin(), name_words.end(), words.begin()) &&
        name_words.size() > chosen_words) {
      chosen = &command;
      chosen_words = name_words.size();
    }
  }
  if (chosen == nullptr) {
    if (!words.empty()) std::cerr << "cxloopctl: unknown command '" << words[0] << "'\n\n";
    print_usage(std::cerr, commands);
    return 64;
  }
  parsed.positional.assign(words.begin() + static_cast<long>(chosen_words), words.end());

  try {
    return chosen->run(parsed, std::cout, std::cerr);
  } catch (const cxloop::cli::UsageError& e) {
    std::cerr << "cxloopctl: " << e.what() << "\nusage: cxloopctl " << chosen->usage << "\n";
    return 64;
  } catch (const cxloop::config::ConfigError& e) {
    std::cerr << "cxloopctl: " << e.what() << "\n";
    for (const auto& line : e.errors()) std::cerr << "  " << line << "\n";
    return 78;
  } catch (const cxloop::workflow::DomainError& e) {
    std::cerr << "cxloopctl: " << e.what();
    if (!e.field().empty()) std::cerr << " (" << e.field() << ")";
    std::cerr << "\n";
    return 65;
  } catch (const std::exception& e) {
    std::cerr << "cxloopctl: " << e.what() << "\n";
    return 1;
  }
}

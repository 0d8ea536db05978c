#include "app/server_application.hpp"

#include <Poco/Logger.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "app/server.hpp"
#include "config/config.hpp"
#include "logging/log_setup.hpp"

namespace cxloop::app {

namespace {
constexpr int kExitConfig = 78;  // EX_CONFIG from sysexits.h
}

ServerApplication::ServerApplication() {
  // Options are ours to handle; Poco's own config-file loading stays off.
  setUnixOptions(true);
}

void ServerApplication::defineOptions(Poco::Util::OptionSet& options) {
  Poco::Util::ServerApplication::defineOptions(options);
  options.addOption(Poco::Util::Option("config", "c", "server config file (JSON)")
                        .required(false)
                        .repeatable(false)
                        .argument("FILE"));
  options.addOption(Poco::Util::Option("check-config", "", "validate the config file and exit")
                        .required(false)
                        .repeatable(false));
  options.addOption(
      Poco::Util::Option("help", "h", "show this help and exit").required(false).repeatable(false));
  options.addOption(Poco::Util::Option("version", "v", "print the version and exit")
                        .required(false)
                        .repeatable(false));
}

void ServerApplication::handleOption(const std::string& name, const std::string& value) {
  Poco::Util::ServerApplication::handleOption(name, value);
  if (name == "config") {
    config_path_ = value;
  } else if (name == "check-config") {
    check_only_ = true;
  } else if (name == "help") {
    help_ = true;
    stopOptionsProcessing();
  } else if (name == "version") {
    version_ = true;
  }
}

void ServerApplication::print_help() const {
  Poco::Util::HelpFormatter help(options());
  help.setCommand(commandName());
  help.setUsage("[--config FILE] [--check-config]");
  help.setHeader(
      "cxloopd, the cxloop server. Serves HTTP on the address in the config until SIGINT or "
      "SIGTERM.\nEnvironment: CXLOOP_STORAGE_URL overrides storage.url; CXLOOP_PLUGIN_PATH "
      "(colon-separated) is searched for plugins when the config names no directories.");
  help.format(std::cout);
}

int ServerApplication::check_config() const {
  try {
    config::load_config_file(config_path_);
    std::cout << config_path_ << ": valid\n";
    return EXIT_OK;
  } catch (const config::ConfigError& e) {
    std::cerr << config_path_ << ": invalid\n";
    for (const auto& line : e.errors()) std::cerr << "  " << line << "\n";
    return kExitConfig;
  }
}

int ServerApplication::main(const std::vector<std::string>&) {
  if (help_) {
    print_help();
    return EXIT_OK;
  }
  if (version_) {
    std::cout << "cxloopd " << CXLOOP_VERSION << "\n";
    return EXIT_OK;
  }
  if (check_only_) return check_config();

  config::Config config;
  try {
    config = config::load_config_file(config_path_);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return kExitConfig;
  }
  config::apply_environment(config);
  logging::setup_logging(config.logging);
  Poco::Logger& log = Poco::Logger::get("cxloop.server");

  // Block the termination signals before any thread exists, so every worker thread inherits
  // the mask and SIGTERM can only be taken by waitForTerminationRequest()'s sigwait.
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGINT);
  sigaddset(&termination, SIGQUIT);
  sigaddset(&termination, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &termination, nullptr);

  Server server(std::move(config));
  try {
    server.start();
  } catch (const std::exception& e) {
    log.fatal(std::string("start-up failed: ") + e.what());
    return EXIT_SOFTWARE;
  }
  waitForTerminationRequest();
  log.information("termination requested; draining and shutting down");
  try {
    server.stop();
  } catch (const std::exception& e) {
    log.error(std::string("shutdown failed: ") + e.what());
    return EXIT_SOFTWARE;
  }
  log.information("stopped cleanly");
  return EXIT_OK;
}

}  // namespace cxloop::app

// cxloopctl plugins: load every configured plugin instance exactly as cxloopd would (manifest,
// library, ABI, config schema, init), print each one's state, then unload them.
#include "cli/cli_command.hpp"

#include <iomanip>

#include "app/server.hpp"
#include "cli/cli_context.hpp"
#include "events/event_bus.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/plugin_host.hpp"
#include "repository/kv_store.hpp"
#include "repository/outbox.hpp"
#include "workflow/host_operations.hpp"

namespace cxloop::cli {

std::vector<Command> plugin_commands() {
  return {
      {"plugins", "plugins",
       "load every configured plugin instance as the server would and show kind, version, "
       "state and load error (stop the server first if a plugin listens on its own port)",
       [](const Arguments& args, std::ostream& out, std::ostream&) {
         CliContext context(args.config_path, true);
         metrics::Registry metrics;
         events::EventBus bus(1);
         repository::KvStore kv(context.db());
         repository::Outbox outbox(context.db());
         workflow::OperationTable operations;
         workflow::register_host_operations(operations, context.domain());
         http::Router router;
         plugin_host::PluginHost host({metrics, bus, kv, outbox, operations, router},
                                      app::Server::plugin_directories(context.config()));
         int failures = 0;
         try {
           host.load(context.config().plugins);
         } catch (const plugin_host::PluginLoadError&) {
           // Reported in the table below, like every other failure.
         }
         out << std::left << std::setw(16) << "INSTANCE" << std::setw(16) << "PLUGIN"
             << std::setw(11) << "KIND" << std::setw(10) << "VERSION" << std::setw(10) << "STATE"
             << "ERROR\n";
         for (const auto& status : host.statuses()) {
           out << std::setw(16) << status.instance << std::setw(16) << status.plugin
               << std::setw(11) << (status.kind.empty() ? "-" : status.kind) << std::setw(10)
               << (status.version.empty() ? "-" : status.version) << std::setw(10) << status.state
               << (status.error.empty() ? "" : "[" + status.stage + "] " + status.error) << "\n";
           failures += status.state == "failed" ? 1 : 0;
         }
         host.shutdown();
         bus.stop();
         return failures == 0 ? 0 : 1;
       }},
  };
}

std::vector<Command> config_commands() {
  return {
      {"check-config", "check-config FILE",
       "validate a server config file; every problem is listed with its key path",
       [](const Arguments& args, std::ostream& out, std::ostream& err) {
         const std::string& path = args.at(0, "the config file to check");
         try {
           config::load_config_file(path);
         } catch (const config::ConfigError& e) {
           err << e.what() << "\n";
           for (const auto& line : e.errors()) err << "  " << line << "\n";
           return 78;
         }
         out << path << ": ok\n";
         return 0;
       }},
  };
}

}  // namespace cxloop::cli

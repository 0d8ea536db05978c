// The server configuration: one JSON file with server, storage, logging, worker and plugin
// sections. Loading validates it against the kernel's schema (config/config_schema.cpp);
// every violation is reported with its key path, and nothing starts on an invalid file.
#pragma once

#include <chrono>
#include <stdexcept>
#include <map>
#include <string>
#include <vector>

#include "repository/database.hpp"

namespace cxloop::config {

struct HttpConfig {
  std::string listen = "127.0.0.1";
  int port = 8080;   // 0 picks a free port (tests)
  int threads = 32;  // pool threads = most concurrent keep-alive connections
  int queue = 256;   // accepted connections waiting for a thread
  bool keep_alive = true;
  std::chrono::seconds keep_alive_timeout{10};
  int max_keep_alive_requests = 1000;
  std::chrono::seconds receive_timeout{30};
  std::chrono::seconds send_timeout{30};
  std::size_t max_body_bytes = 1 << 20;
};

struct LoggingConfig {
  std::string format = "text";  // "text" or "json"
  std::string level = "information";
};

struct WorkerConfig {
  int event_threads = 2;
  int outbox_threads = 8;  // each mostly waits on a receiver; 8 sent 1.6x the campaign rate of 2
  std::chrono::milliseconds outbox_poll{200};
  // How often the timer thread looks for overdue tasks (and other time-driven checks).
  std::chrono::milliseconds timer_interval{30000};
};

// Business settings the workflow rules read.
struct DomainConfig {
  // Case and problem categories; the five built-in ones plus any the config adds.
  std::vector<std::string> categories = {"billing", "product_quality", "shipping", "documentation",
                                         "other"};
  // Calling code ("+44") for phone numbers written without one; empty refuses them.
  std::string default_country_code;
  // Verifying a delivered fix (docs/analytics.md): contacts matching the problem are counted
  // for window_days after delivery; their daily rate must fall by expected_drop (0.5 = to
  // half) against the rate before delivery, or the problem is flagged recurring.
  struct Verification {
    int window_days = 14;
    double expected_drop = 0.5;
  } verification;
};

// The web console's static files (kernel/console).
struct ConsoleConfig {
  bool enabled = true;
  std::string directory;  // the console's files; empty: where the install put them
  // Debian's packaged JavaScript libraries (libjs-chart.js puts Chart.js here).
  std::string javascript_directory = "/usr/share/javascript";
};

// Campaigns telling customers about fixes (workflow/campaigns.hpp).
struct CampaignConfig {
  // Where customers reach the public acknowledge and unsubscribe links.
  std::string public_base_url = "http://127.0.0.1:8080";
  std::string sender = "Customer Service";  // {{sender}} in templates
  std::string templates_dir;                // overrides of the built-in templates; "" none
  // Notifications per second by notifier instance; instances not listed are not limited.
  std::map<std::string, double> rate_limits;
};

struct PluginInstanceConfig {
  std::string name;    // instance name, unique (the key under plugins.instances)
  std::string plugin;  // manifest name of the plugin to load
  bool enabled = true;
  bool required = false;
  std::string settings_json = "{}";  // validated against the manifest's schema at load
};

struct Config {
  std::string source;     // the file it came from ("" for built-in defaults)
  std::string node_name;  // this node's name in outbox leases; defaults to hostname:pid
  std::string data_dir = "data";
  HttpConfig http;
  LoggingConfig logging;
  repository::DatabaseOptions storage;
  WorkerConfig workers;
  DomainConfig domain;
  ConsoleConfig console;
  CampaignConfig campaigns;
  std::vector<std::string> plugin_dirs;  // searched in order; empty: the built-in default
  std::vector<PluginInstanceConfig> plugins;
};

// Thrown by load_config; errors() holds one line per problem, each starting with its key
// path ("/http/port: must be an integer between 0 and 65535").
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, std::vector<std::string> errors);
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

Config load_config_file(const std::string& path);
Config load_config_text(const std::string& json_text, const std::string& source = "<text>");

// Applies environment overrides after loading: CXLOOP_STORAGE_URL replaces storage.url, so
// tests and benchmarks can point one config file at another database.
void apply_environment(Config& config);

}  // namespace cxloop::config

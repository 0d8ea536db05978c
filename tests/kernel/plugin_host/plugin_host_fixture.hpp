// A complete set of real kernel objects for plugin host tests: a migrated SQLite file in a
// temporary folder, kv store, outbox, event bus, metrics registry, operation table (with a
// test.echo operation) and router; plus helpers to lay out plugin folders.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "events/event_bus.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/host_environment.hpp"
#include "repository/database.hpp"
#include "repository/kv_store.hpp"
#include "repository/migrations.hpp"
#include "repository/outbox.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::testing {

namespace fs = std::filesystem;

class PluginHostFixture {
 public:
  PluginHostFixture() {
    std::string pattern = (fs::temp_directory_path() / "cxloop-plugin-host-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root = pattern;
    repository::DatabaseOptions options;
    options.url = "sqlite:" + (root / "cxloop.db").string();
    db = repository::Database::open(options);
    repository::apply_migrations(*db);
    kv = std::make_unique<repository::KvStore>(*db);
    outbox = std::make_unique<repository::Outbox>(*db);
    operations.add("test.echo", [](const nlohmann::json& request, const workflow::Actor& actor) {
      return nlohmann::json{{"echo", request}, {"actor", actor.id}, {"role", actor.role}};
    });
  }
  ~PluginHostFixture() {
    events.stop();
    db->close();
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }

  plugin_host::HostEnvironment env() { return {metrics, events, *kv, *outbox, operations, router}; }

  // A fresh plugin directory under the temporary folder.
  fs::path plugin_dir(const std::string& name) {
    const fs::path dir = root / name;
    fs::create_directories(dir);
    return dir;
  }

  // Writes <dir>/<folder>/plugin.json and returns the folder.
  static fs::path write_manifest(const fs::path& dir, const std::string& folder,
                                 const std::string& text) {
    const fs::path target = dir / folder;
    fs::create_directories(target);
    std::ofstream(target / "plugin.json") << text;
    return target;
  }

  // A valid manifest document for a plugin named name whose library is library.
  static nlohmann::json manifest(const std::string& name, const std::string& library,
                                 const std::string& kind = "connector",
                                 const std::string& version = "1.0.0") {
    return {{"name", name},       {"kind", kind},
            {"version", version}, {"abi", {{"major", 1}, {"minor", 0}}},
            {"library", library}, {"config_schema", {{"type", "object"}}}};
  }

  // Runs the HTTP route matching method + path and returns the response.
  http::HttpResponse request(const std::string& method, const std::string& path,
                             const std::string& body = {}, http::HeaderMap headers = {}) {
    http::HttpRequest req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.headers = std::move(headers);
    req.remote_addr = "127.0.0.1:1";
    const http::RouteMatch match = router.match(req);
    if (match.route == nullptr) throw std::runtime_error("no route for " + method + " " + path);
    return match.route->handler(req);
  }

  // The sample line of a metric that carries the given label text, or "".
  std::string metric_line(const std::string& name, const std::string& label) const {
    std::istringstream lines(metrics.render());
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind(name + "{", 0) == 0 && line.find(label) != std::string::npos) return line;
    }
    return {};
  }

  // Waits for a condition that another thread makes true; fails the wait after a generous
  // deadline rather than asserting on timing.
  static bool eventually(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
  }

  fs::path root;
  std::unique_ptr<repository::Database> db;
  std::unique_ptr<repository::KvStore> kv;
  std::unique_ptr<repository::Outbox> outbox;
  metrics::Registry metrics;
  events::EventBus events{1};
  workflow::OperationTable operations;
  http::Router router;
};

}  // namespace cxloop::testing

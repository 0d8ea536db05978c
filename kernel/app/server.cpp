#include "app/server.hpp"

#include "api/auth.hpp"
#include "api/idempotency.hpp"
#include "http/api_error.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/host_operations.hpp"
#include "workflow/workflow_context.hpp"

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>

#include <cstdlib>
#include <stdexcept>

#include "api/routes.hpp"
#include "workflow/message_templates.hpp"
#include "app/connector_sync.hpp"
#include "app/outbox_outcomes.hpp"
#include "app/timer_thread.hpp"
#include "console/console_routes.hpp"
#include "events/event_bus.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"
#include "logging/log_setup.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/outbox_dispatcher.hpp"
#include "plugin_host/plugin_host.hpp"
#include "plugin_host/reply_channels.hpp"
#include "repository/database.hpp"
#include "repository/event_log.hpp"
#include "repository/kv_store.hpp"
#include "repository/migrations.hpp"
#include "repository/outbox.hpp"

#include <nlohmann/json.hpp>
#include "workflow/operation_table.hpp"

namespace cxloop::app {

namespace {

// The id in an event's subject ("problem:42" -> 42).
std::int64_t subject_id(const events::Event& event) {
  return std::stoll(event.subject.substr(event.subject.find(':') + 1));
}

Poco::Logger& log() { return Poco::Logger::get("cxloop.server"); }

std::vector<std::string> split_path_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(':', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// SQLite creates the database file but not its folder; a first run should just work.
void create_data_directories(const config::Config& config) {
  Poco::File(config.data_dir).createDirectories();
  const std::string prefix = "sqlite:";
  if (config.storage.url.rfind(prefix, 0) == 0) {
    Poco::Path file(config.storage.url.substr(prefix.size()));
    const std::string parent = file.parent().toString();
    if (!parent.empty()) Poco::File(parent).createDirectories();
  }
}

}  // namespace

Server::Server(config::Config config) : config_(std::move(config)) {}

Server::~Server() {
  try {
    stop();
  } catch (const std::exception& e) {
    log().error(std::string("shutdown failed: ") + e.what());
  }
}

std::vector<std::string> Server::plugin_directories(const config::Config& config) {
  if (!config.plugin_dirs.empty()) return config.plugin_dirs;
  if (const char* env = std::getenv("CXLOOP_PLUGIN_PATH"); env != nullptr && *env != '\0') {
    return split_path_list(env);
  }
  return {CXLOOP_DEFAULT_PLUGIN_DIR};
}

void Server::start() {
  if (db_ || stopped_) throw std::logic_error("Server::start() may be called once");
  logging::setup_logging(config_.logging);
  try {
    create_data_directories(config_);
    db_ = repository::Database::open(config_.storage);
    for (const auto& name : repository::apply_migrations(*db_)) {
      log().information("applied schema migration " + name);
    }
    events_ =
        std::make_unique<events::EventBus>(static_cast<std::size_t>(config_.workers.event_threads));
    kv_ = std::make_unique<repository::KvStore>(*db_);
    outbox_ = std::make_unique<repository::Outbox>(*db_);
    event_log_ = std::make_unique<repository::EventLog>(*db_);
    metrics_ = std::make_unique<metrics::Registry>();
    router_ = std::make_unique<http::Router>();
    operations_ = std::make_unique<workflow::OperationTable>();
    workflow_context_ = std::make_unique<workflow::WorkflowContext>(workflow::WorkflowContext{
        *db_, events_.get(), config_.domain.categories, config_.domain.default_country_code, {}});
    workflow_context_->verification = {config_.domain.verification.window_days,
                                       config_.domain.verification.expected_drop};
    templates_ = std::make_unique<workflow::MessageTemplates>(config_.campaigns.templates_dir);
    workflow_context_->campaigns = {config_.campaigns.public_base_url, config_.campaigns.sender,
                                    templates_.get()};
    domain_ = std::make_unique<workflow::DomainServices>(*workflow_context_);
    workflow::register_host_operations(*operations_, *domain_);
    authenticator_ = std::make_unique<api::Authenticator>(
        [this](const std::string& hash) -> std::optional<api::Principal> {
          auto token = domain_->tokens.find_by_hash(hash);
          if (!token) return std::nullopt;
          auto role = api::parse_role(token->at("role").get<std::string>());
          if (!role) return std::nullopt;
          api::Principal principal;
          principal.token_id = token->at("id").get<std::int64_t>();
          principal.name = token->value("name", "");
          principal.role = *role;
          if (token->contains("department_id") && token->at("department_id").is_number()) {
            principal.department_id = token->at("department_id").get<std::int64_t>();
          }
          return principal;
        });
    secured_ = std::make_unique<api::SecuredRoutes>(*router_, *authenticator_);
    idempotency_ = std::make_unique<api::IdempotencyStore>(*db_);
    plugins_ = std::make_unique<plugin_host::PluginHost>(
        plugin_host::HostEnvironment{*metrics_, *events_, *kv_, *outbox_, *operations_, *router_},
        plugin_directories(config_));

    api::ApiContext context{config_,   *db_,          *router_,       *metrics_,    *plugins_,
                            *events_,  *outbox_,      *event_log_,    *operations_, *domain_,
                            *secured_, *idempotency_, *authenticator_};
    api::register_routes(context);
    console::register_console_routes(*router_, config_.console);

    // Plugin pages and admin routes (/plugins/<instance>/...) are for staff: an agent or
    // admin token. Public hooks protect themselves.
    plugins_->set_private_route_guard([this](const http::HttpRequest& request) {
      api::Principal who = authenticator_->authenticate(request);
      if (who.role != api::Role::admin && who.role != api::Role::agent) {
        throw http::ApiError(403, "forbidden",
                             "plugin routes under /plugins/ need an admin or agent token");
      }
    });
    // Plugins come before HTTP: they add routes, and the router is read-only once serving.
    plugins_->load(config_.plugins);
    for (const auto& s : plugins_->statuses()) {
      if (!s.error.empty()) {
        log().warning("plugin instance " + s.instance + " is " + s.state + " (stage " + s.stage +
                      "): " + s.error);
      }
    }
    // Agents' replies are routed to the channel instances that can deliver them; campaigns
    // reach customers through the notifier instances.
    workflow_context_->reply_channels = plugin_host::reply_channels(plugins_->statuses());
    workflow_context_->notifiers = plugin_host::notifier_channels(plugins_->statuses());

    dispatcher_ = std::make_unique<plugin_host::OutboxDispatcher>(
        *outbox_, *plugins_, *metrics_, config_.node_name, config_.workers.outbox_threads,
        config_.workers.outbox_poll);
    wire_outbox_outcomes(*dispatcher_, *domain_, config_.campaigns.rate_limits);
    release_orphaned_claims(*outbox_, config_.node_name);
    // Delivering a fix starts its campaign; a started campaign writes its audience. Both on
    // the event threads, so neither the HTTP request nor the outbox waits for them.
    events_->subscribe("kernel:campaigns", "problem.state_changed", [this](const events::Event& e) {
      auto data = nlohmann::json::parse(e.data_json, nullptr, false);
      const std::string state =
          data.is_object() ? data.value("after", nlohmann::json::object()).value("state", "") : "";
      const std::int64_t problem = subject_id(e);
      // A closed problem's website notices and phone announcements come down.
      if (state == "closed") domain_->campaigns.withdraw_notices(problem);
      if (state != "fix_delivered") return;
      domain_->campaigns.start(problem,
                               nlohmann::json::object(), "fix_delivered", workflow::Actor{"system", "system"});
    });
    // Publishing a workaround article tells the customers of the problems it solves.
    const auto article_published = [this](const events::Event& e) {
      domain_->campaigns.start_for_article(subject_id(e));
    };
    events_->subscribe("kernel:campaigns", "article.created", article_published);
    events_->subscribe("kernel:campaigns", "article.updated", article_published);
    // A fix that did not stop the contacts escalates to the owning department.
    events_->subscribe("kernel:escalations", "problem.recurring", [this](const events::Event& e) {
      domain_->tasks.escalate_recurrence(subject_id(e), e.id,
                                         nlohmann::json::parse(e.data_json, nullptr, false));
    });
    events_->subscribe("kernel:campaigns", "campaign.started", [this](const events::Event& e) {
      auto data = nlohmann::json::parse(e.data_json, nullptr, false);
      if (data.is_object() && data.contains("campaign_id")) {
        domain_->campaigns.run_audience(data["campaign_id"].get<std::int64_t>());
      }
    });
    dispatcher_->start();

    // Timers: overdue tasks escalate, delivered fixes are verified, connectors without
    // callbacks are polled.
    register_task_metrics(*metrics_, *db_, *events_);
    timers_ = std::make_unique<TimerThread>(*metrics_);
    timers_->add({"escalate_overdue_tasks", config_.workers.timer_interval,
                  [this] { domain_->tasks.escalate_overdue(); }});
    // Delivered fixes whose contacts did not fall move to recurring (docs/analytics.md).
    timers_->add({"verify_delivered_fixes", config_.workers.timer_interval,
                  [this] { domain_->recurrence.run_once(); }});
    // Campaigns: started for fixes delivered while an event was lost, audiences finished
    // after a crash, finished campaigns completed (closing print batches).
    timers_->add({"campaigns", config_.workers.timer_interval, [this] { domain_->campaigns.tick(); }});
    for (auto& job : connector_poll_jobs(config_, *plugins_, domain_->tasks, *metrics_)) {
      timers_->add(std::move(job));
    }
    timers_->start();

    http_ = std::make_unique<http::HttpServer>(config_.http, *router_, *metrics_);
    http_->start();
    running_ = true;
    // Tests and scripts read the port from this line; keep its shape.
    log().information("listening on " + config_.http.listen + ":" + std::to_string(port()));
  } catch (...) {
    stop();
    throw;
  }
}

std::uint16_t Server::port() const { return http_ ? http_->port() : 0; }

bool Server::ready() const {
  return running_.load() && db_ && db_->ping() && plugins_ && plugins_->required_up();
}

void Server::stop() {
  running_ = false;
  if (stopped_) return;
  stopped_ = true;
  // Reverse order of start(): nothing may still call into what is torn down next. The
  // objects themselves live until the destructor, so late readers (a metrics gauge) find
  // them closed rather than destroyed.
  if (http_) http_->stop();
  if (timers_) timers_->stop();
  if (dispatcher_) dispatcher_->stop();
  if (events_) events_->stop();  // delivers queued events to plugin subscribers first
  if (plugins_) plugins_->shutdown();
  if (db_) db_->close();
}

}  // namespace cxloop::app

// What a cxloopctl command that touches the repository needs: the server's config, its
// database (migrated to the current schema), and the workflow services over it, exactly as
// cxloopd builds them, so the CLI applies the same business rules.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "repository/database.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::cli {

class CliContext {
 public:
  // Loads the config (ConfigError on a bad file) and opens its storage. With migrate, brings
  // the schema up to date first (as the server does at start-up).
  CliContext(const std::string& config_path, bool migrate);
  ~CliContext();

  const config::Config& config() const { return config_; }
  repository::Database& db() { return *db_; }
  workflow::DomainServices& domain() { return *domain_; }

 private:
  config::Config config_;
  std::unique_ptr<repository::Database> db_;
  std::unique_ptr<workflow::WorkflowContext> context_;
  std::unique_ptr<workflow::DomainServices> domain_;
};

}  // namespace cxloop::cli

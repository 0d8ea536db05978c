#include "cli/cli_context.hpp"

#include "repository/migrations.hpp"

namespace cxloop::cli {

CliContext::CliContext(const std::string& config_path, bool migrate)
    : config_(config::load_config_file(config_path)) {
  db_ = repository::Database::open(config_.storage);
  if (migrate) repository::apply_migrations(*db_);
  context_ = std::make_unique<workflow::WorkflowContext>(workflow::WorkflowContext{
      *db_, nullptr, config_.domain.categories, config_.domain.default_country_code, {}});
  domain_ = std::make_unique<workflow::DomainServices>(*context_);
}

CliContext::~CliContext() {
  domain_.reset();
  if (db_) db_->close();
}

}  // namespace cxloop::cli

// What every workflow service needs: the database, the event bus to publish committed
// changes on (optional: tools such as cxloopctl run without one), and the few settings from
// config that shape business rules.
#pragma once

#include <string>
#include <vector>

namespace cxloop::repository {
class Database;
}
namespace cxloop::events {
class EventBus;
}

namespace cxloop::workflow {

struct WorkflowContext {
  repository::Database& db;
  events::EventBus* bus = nullptr;
  // Allowed case and problem categories; empty accepts any non-empty category.
  std::vector<std::string> categories;
  // Country calling code ("+44") applied to phone numbers written without one; empty
  // means such numbers are refused.
  std::string default_country_code;
};

}  // namespace cxloop::workflow

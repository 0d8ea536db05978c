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

// A running channel plugin instance that delivers agents' replies (its manifest lists the
// capability "deliver"). address names the customer field the channel reaches any customer
// by ("email" for "reply_to:email", "phone" for "reply_to:phone"); empty when it can only
// answer conversations it started itself (a live chat). Replies on a case whose own channel
// cannot deliver (a web form) are routed to a channel with an address the customer has.
struct ReplyChannel {
  std::string instance;
  std::string address;
};

// How a delivered fix is verified (recurrence.hpp): the window of days after delivery in
// which contacts are counted, and the share by which their daily rate must fall against the
// rate before delivery. A zero window (tools and tests that build a context by hand) lets a
// problem be verified at once; the server sets both from config (domain.verification).
struct VerificationPolicy {
  int window_days = 0;
  double expected_drop = 0.5;
};

// A running notifier plugin instance and how campaigns use it (its manifest capabilities):
// medium ("medium:email" -> "email") for per-customer notifications, broadcast for feeds
// that get one "publish" per campaign, batch for those that get "close_batch" at the end.
struct NotifierChannel {
  std::string instance;
  std::string medium;
  bool broadcast = false;
  bool batch = false;
};

class MessageTemplates;

// Campaign settings from config (campaigns section).
struct CampaignPolicy {
  // Where customers reach cxloop's public links (acknowledge, unsubscribe).
  std::string public_base_url = "http://127.0.0.1:8080";
  // Signs the messages ({{sender}} in templates).
  std::string sender = "Customer Service";
  // Overrides of the built-in templates; null uses the built-in ones.
  const MessageTemplates* templates = nullptr;
};

struct WorkflowContext {
  repository::Database& db;
  events::EventBus* bus = nullptr;
  // Allowed case and problem categories; empty accepts any non-empty category.
  std::vector<std::string> categories;
  // Country calling code ("+44") applied to phone numbers written without one; empty
  // means such numbers are refused.
  std::string default_country_code;
  // Filled by the server once plugins are loaded, before HTTP serves; read-only afterwards.
  // Empty (tools, tests without plugins): outbound messages are recorded as not_deliverable.
  std::vector<ReplyChannel> reply_channels = {};
  VerificationPolicy verification = {};
  // Filled by the server with the running notifier instances; empty: campaigns reach nobody
  // and say so (every notification failed with the reason).
  std::vector<NotifierChannel> notifiers = {};
  CampaignPolicy campaigns = {};
};

}  // namespace cxloop::workflow

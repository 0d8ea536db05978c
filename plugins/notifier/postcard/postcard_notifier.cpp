// The postcard notifier: a print batch for a mail house. Each "send" adds the recipient's
// name, postal address lines and the message to the campaign's spool; "close_batch", which
// the kernel invokes after the campaign's last postcard (capability "batch"), writes
// campaign-<id>.csv atomically to settings.directory. Both are idempotent. See README.md.
#include <cxloop/sdk.hpp>

#include <algorithm>
#include <cctype>
#include <memory>

#include "json_text.hpp"
#include "print_batch.hpp"
#include "text.hpp"

namespace cxloop::plugins::postcard {
namespace {

using sdk::json;

// A campaign id that can be part of a file name: letters, digits, '-' and '_'.
std::string campaign_of(const json& request, const std::string& what) {
  const std::string id = id_member(request, "campaign_id");
  if (id.empty()) {
    throw sdk::Error(CXLOOP_ERR_INVALID,
                     what + " needs a \"campaign_id\": the print batch is one file per campaign");
  }
  const bool safe = id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                    });
  if (!safe) {
    throw sdk::Error(CXLOOP_ERR_INVALID, "campaign_id '" + id +
                                             "' cannot name a print file; use at most 64 "
                                             "letters, digits, '-' or '_'");
  }
  return id;
}

}  // namespace

class PostcardNotifier : public sdk::NotifierPlugin {
 public:
  explicit PostcardNotifier(sdk::Host host) : NotifierPlugin(host) {
    const json settings = host.config();
    max_lines_ = settings.value("max_address_lines", 8);
    try {
      batches_ = std::make_unique<PrintBatches>(settings.at("directory").get<std::string>(),
                                                settings.value("create_directory", false));
    } catch (const std::runtime_error& e) {
      throw sdk::Error(CXLOOP_ERR_INVALID, e.what());
    }
  }

  json send(const json& notification) override {
    const std::string notification_id = id_member(notification, "notification_id");
    std::string key = text_member(notification, "idempotency_key");
    if (key.empty() && !notification_id.empty()) key = "notification/" + notification_id;
    if (key.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "the notification has neither a notification_id nor an idempotency_key");
    }
    if (auto sent = host().kv_get("sent/" + key)) return json::parse(*sent);

    const std::string campaign = campaign_of(notification, "a postcard");
    if (auto closed = host().kv_get("closed/" + campaign)) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "the print batch of campaign " + campaign + " is closed already (" +
                           json::parse(*closed).value("file", "") + "); notification " +
                           notification_id + " was not added to it");
    }
    const json recipient = notification.value("recipient", json::object());
    Postcard card;
    card.key = key;
    card.name = channels::trimmed(text_member(recipient, "name"));
    if (card.name.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "notification " + notification_id +
                           " has no recipient name to print on the postcard (recipient.name)");
    }
    const json address = recipient.value("postal_address", json());
    if (address.is_array()) {
      for (const auto& line : address) {
        if (line.is_string() && !channels::trimmed(line.get<std::string>()).empty()) {
          card.address.push_back(channels::trimmed(line.get<std::string>()));
        }
      }
    }
    if (card.address.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "recipient '" + card.name +
                           "' has no postal address (recipient.postal_address, from the "
                           "customer's attributes.postal_address: an array of address lines); "
                           "add one or notify them through another channel");
    }
    if (static_cast<int>(card.address.size()) > max_lines_) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "recipient '" + card.name + "' has " + std::to_string(card.address.size()) +
                           " postal address lines; the print batch takes at most " +
                           std::to_string(max_lines_) + " (settings.max_address_lines)");
    }
    card.message = text_member(notification, "text");
    if (card.message.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "notification " + notification_id + " has no \"text\" to print");
    }

    try {
      batches_->append(campaign, card);
    } catch (const std::runtime_error& e) {
      throw sdk::Error(CXLOOP_ERR_UNAVAILABLE, e.what());  // a full or failing disk: retried
    }
    const json result = {{"external_ref", "campaign-" + campaign + ".csv/" + key},
                         {"state", "sent"}};
    host().kv_put("sent/" + key, result.dump());
    host().counter_add("postcards_spooled_total");
    return result;
  }

  json invoke(const std::string& operation, const json& request) override {
    if (operation == "close_batch") return close_batch(request);
    return NotifierPlugin::invoke(operation, request);
  }

 private:
  json close_batch(const json& request) {
    const std::string campaign = campaign_of(request, "close_batch");
    if (auto closed = host().kv_get("closed/" + campaign)) {
      batches_->discard_spool(campaign);  // in case a crash came between record and removal
      return json::parse(*closed);
    }
    ClosedBatch batch;
    try {
      batch = batches_->close(campaign);
    } catch (const std::runtime_error& e) {
      throw sdk::Error(CXLOOP_ERR_UNAVAILABLE, e.what());
    }
    const json result = {{"file", batch.file.string()}, {"rows", batch.rows}};
    host().kv_put("closed/" + campaign, result.dump());
    batches_->discard_spool(campaign);
    host().counter_add("postcard_batches_closed_total");
    host().info("print batch " + batch.file.string() + " written with " +
                std::to_string(batch.rows) + " postcards");
    return result;
  }

  std::unique_ptr<PrintBatches> batches_;
  int max_lines_ = 8;
};

}  // namespace cxloop::plugins::postcard

CXLOOP_PLUGIN(cxloop::plugins::postcard::PostcardNotifier, "postcard", "notifier", "1.0.0")

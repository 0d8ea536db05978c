// The notices a broadcast notifier holds for the public: one per campaign the kernel
// published to the instance ("publish"), until the kernel withdraws it ("withdraw") when the
// problem closes or the campaign is cancelled. Kept in the instance's key-value store, so the
// feed survives restarts. Shared by the web notice feed and the IVR announcements, which serve
// the same board to a website and to a phone line.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <cxloop/sdk/error.hpp>
#include <cxloop/sdk/host.hpp>

namespace cxloop::plugins::notices {

// One published notice: {id, campaign_id, kind, problem: {id, number, title, scope},
// subject, text, html?, language?, published_at}.
using Notice = sdk::json;

class NoticeBoard {
 public:
  explicit NoticeBoard(sdk::Host host) : host_(host) {}

  // Stores the notice of a "publish" request; publishing the same campaign again returns
  // the first notice's reference and changes nothing. Returns {"external_ref"}.
  sdk::json publish(const sdk::json& request);
  // Takes the campaign's notice off the board ("withdraw"); without a campaign_id, every
  // notice of request.problem.id. Withdrawing what is not there is a no-op. Returns {}.
  sdk::json withdraw(const sdk::json& request);
  // The notices on the board, newest published first.
  std::vector<Notice> active() const;

  // Whether a notice's problem scope lists the SKU.
  static bool lists_sku(const Notice& notice, const std::string& sku);
  // The reference a notice is published under ("notice-<campaign_id>").
  static std::string external_ref(const std::string& campaign_id);

 private:
  std::vector<std::string> index() const;
  void store_index(const std::vector<std::string>& ids) const;

  sdk::Host host_;
  // Publish and withdraw rewrite the index; this keeps concurrent outbox workers from losing
  // each other's change.
  mutable std::mutex mutex_;
};

}  // namespace cxloop::plugins::notices

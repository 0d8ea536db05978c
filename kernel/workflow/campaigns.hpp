// Campaigns close the loop with customers. When a problem's fix is delivered (or an agent
// starts one), its campaign tells
//   - every customer with a linked case the solution's customer message (kind resolution),
//     on the medium of their case or their preferred one, and resolves their cases with the
//     message on the thread once it is sent;
//   - when the problem asks for it (problem.advisory), every customer in the affected scope
//     who has not contacted (kind advisory), on their preferred medium, respecting opt-outs;
//   - broadcast notifiers (website notices, the phone line) once per campaign ("publish").
// A campaign also starts when a workaround article for the problem is published.
//
// Exactly one notification per (problem, customer, kind): the audience is written in
// batches, each notification with its outbox item in one transaction, and the unique index
// makes a pass after a crash skip whoever was already written. Sending runs on the outbox
// workers with retries, backoff, per-notifier rate limits and the dead-letter state; a paused
// campaign's items wait in the outbox (the dispatcher's gate asks paused()).
//
// Opt-outs (customer.opt_outs): "all" (no campaign messages), "advisory" (no advisories), or
// a medium ("email", "sms", "postcard": use another one).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflow/cursor_page.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;
class CaseService;

class CampaignService {
 public:
  CampaignService(WorkflowContext& context, CaseService& cases)
      : context_(context), cases_(cases) {}

  // Creates the problem's campaign (trigger: fix_delivered | manual). options: {advisory?}
  // (default: the problem's advisory flag). A problem has one campaign: starting it again
  // answers the existing one with created: false. Manual starts need a solution with a
  // customer message. The audience is built by run_audience(). Returns {campaign, created}.
  nlohmann::json start(std::int64_t problem_id, const nlohmann::json& options,
                       const std::string& trigger, const Actor& actor);
  // A workaround published: every problem (investigating or later, not closed) whose
  // solution is a workaround or knowledge article pointing at this article, and that has no
  // campaign yet, gets one (trigger "workaround"). Returns the problem ids started.
  std::vector<std::int64_t> start_for_article(std::int64_t article_id);
  // Writes the campaign's notifications and outbox items, resuming where an earlier pass
  // stopped. Returns {"written": n, "unreachable": n, "skipped_opt_out": n}.
  nlohmann::json run_audience(std::int64_t campaign_id);
  // A closed problem's notices come down: each broadcast notifier gets "withdraw" for the
  // problem's campaign (once). Returns how many were queued; 0 without a campaign.
  int withdraw_notices(std::int64_t problem_id);
  // Time-driven work: starts campaigns for problems at fix_delivered that have none (their
  // event may have been lost in a crash), finishes audiences, and completes campaigns whose
  // notifications are all sent or failed and whose broadcast publications are delivered
  // (closing print batches). Returns what it did.
  nlohmann::json tick();

  // The problem's campaign with counts by kind, channel and state; not_found without one.
  nlohmann::json get(std::int64_t problem_id) const;
  nlohmann::json pause(std::int64_t problem_id, const Actor& actor);
  nlohmann::json resume(std::int64_t problem_id, const Actor& actor);
  // What a campaign would send, without writing anything: counts per kind and channel,
  // unreachable and opted-out customers, and up to `samples` rendered messages per kind.
  nlohmann::json preview(std::int64_t problem_id, std::optional<bool> advisory, int samples) const;
  // Filters: state, kind, channel, cursor, limit; plus "counts" by state.
  nlohmann::json notifications(std::int64_t problem_id, const nlohmann::json& query) const;

  // The notifier's answer ({external_ref, state: sent|delivered}); idempotent. text is the
  // message sent, put on the thread of a resolved case.
  void record_sent(std::int64_t notification_id, const nlohmann::json& answer,
                   const std::string& text);
  void record_failed(std::int64_t notification_id, const std::string& error);
  // The public acknowledgement link: the notification (sent or delivered) becomes
  // acknowledged. Returns the notification; not_found for an unknown token.
  nlohmann::json acknowledge(const std::string& token);
  // The notification a public link's token names; not_found for an unknown token.
  nlohmann::json notification_for_token(const std::string& token) const;
  // The public unsubscribe link: the customer gets the "advisory" opt-out.
  nlohmann::json unsubscribe(const std::string& token);

  // For the outbox gate: whether the campaign is paused (cached for half a second, so a
  // busy dispatcher does not read the database per item).
  bool paused(std::int64_t campaign_id);

 private:
  WorkflowContext& context_;
  CaseService& cases_;
  std::mutex audience_mutex_;  // one audience pass at a time on this node
  std::mutex cache_mutex_;
  std::map<std::int64_t, std::pair<bool, std::chrono::steady_clock::time_point>> paused_cache_;
};

}  // namespace cxloop::workflow

// The outbox dispatcher: worker threads that claim due outbox items with a lease, a batch at a
// time, hand each to its target plugin instance's invoke(operation, payload + idempotency_key),
// and record the batch's outcomes in one transaction (Outbox::settle).
//   CXLOOP_OK                         -> complete
//   UNAVAILABLE, INTERNAL, CONFLICT   -> failed attempt, retried with backoff
//   INVALID, UNSUPPORTED, NOT_FOUND,
//   FORBIDDEN                         -> dead at once (retrying cannot help)
//   target instance missing or failed -> failed attempt, retried (a restart may fix it)
// HTTP threads never wait on a plugin's external system; these workers do.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cxloop {
namespace metrics {
class Registry;
}
namespace repository {
class Outbox;
struct OutboxItem;
}  // namespace repository
}  // namespace cxloop

namespace cxloop::plugin_host {

class PluginHost;

class OutboxDispatcher {
 public:
  OutboxDispatcher(repository::Outbox& outbox, PluginHost& plugins, metrics::Registry& metrics,
                   std::string node, int threads, std::chrono::milliseconds poll);
  ~OutboxDispatcher();
  OutboxDispatcher(const OutboxDispatcher&) = delete;
  OutboxDispatcher& operator=(const OutboxDispatcher&) = delete;

  void start();
  // Lets in-flight items finish, then joins the workers. Safe to call twice.
  void stop();
  // New work was enqueued: wake a sleeping worker instead of waiting for the next poll.
  void wake();

  // Claims and dispatches due items on the calling thread until none is due; returns how
  // many were dispatched (for tests and `cxloopctl`, which run no workers).
  std::size_t dispatch_due();

  // Called once when an item becomes dead (retries exhausted or a permanent failure), so the
  // kernel can record the outcome where people look (a reply's delivery state). Set before
  // start(); exceptions from it are logged, never propagated.
  using DeadHandler =
      std::function<void(const repository::OutboxItem& item, const std::string& error)>;
  void on_dead(DeadHandler handler) { on_dead_ = std::move(handler); }

  // Called with the plugin's answer (JSON text) after it handled an item, before the item is
  // marked done, so the kernel can record the result (a pushed task's external reference).
  // An exception from it counts as a failed attempt: the item is retried, and the plugin's
  // idempotency key makes the repeat harmless. Set before start().
  using DoneHandler =
      std::function<void(const repository::OutboxItem& item, const std::string& answer_json)>;
  void on_done(DoneHandler handler) { on_done_ = std::move(handler); }

  // Asked before an item is handed to its plugin: zero to go ahead, or how long to hold it
  // back (a paused campaign, a notifier's rate limit). A held item goes back to pending for
  // that long without counting an attempt. Set before start().
  using Gate = std::function<std::chrono::milliseconds(const repository::OutboxItem& item,
                                                       const nlohmann::json& payload)>;
  void gate(Gate gate) { gate_ = std::move(gate); }

  // How long a claimed item stays ours; a node that dies mid-item releases it by expiry.
  static constexpr std::chrono::seconds lease{300};
  // Most items one worker claims at once. A claim and a settlement are one commit each for
  // the whole batch, where they were two commits per item; more than this would keep items
  // waiting behind one worker's slow sends while other workers idle.
  static constexpr int claim_batch = 16;

 private:
  struct Settlement;
  // One worker's loop; the poller also looks for due work every poll interval.
  void run(bool poller);
  // Claims a batch of due items, dispatches them and settles their outcomes; returns how many
  // were claimed (0 when nothing was due).
  std::size_t dispatch_batch();
  void dispatch(const repository::OutboxItem& item, Settlement& settlement);
  void record_failure(const repository::OutboxItem& item, const std::string& error, bool dead);

  repository::Outbox& outbox_;
  PluginHost& plugins_;
  metrics::Registry& metrics_;
  std::string node_;
  int threads_;
  std::chrono::milliseconds poll_;
  DeadHandler on_dead_;
  DoneHandler on_done_;
  Gate gate_;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;
  bool woken_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace cxloop::plugin_host

// The outbox: side effects (pushing a task, sending a notification, delivering a reply)
// recorded in the same transaction as the state change that caused them, then claimed and
// dispatched by workers with retries, exponential backoff and a dead-letter state.
//
// Claiming takes a lease: an item claimed by a node that dies becomes claimable again when
// the lease expires, so a crash between "decided" and "done" neither loses nor repeats work
// (the plugin receives the idempotency key to make a repeated attempt harmless).
// On PostgreSQL claims use FOR UPDATE SKIP LOCKED so several nodes never take the same item.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace cxloop::repository {

class Database;

struct OutboxItem {
  std::int64_t id = 0;
  std::string target;     // plugin instance name
  std::string operation;  // passed to the plugin's invoke()
  std::string payload_json;
  std::string idempotency_key;  // unique across the outbox
  std::string state;            // pending | inflight | done | dead
  int attempts = 0;
  std::string last_error;
  std::string next_attempt_at;  // RFC 3339 UTC
  std::string created_at;
};

struct RetryPolicy {
  int max_attempts = 8;
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{std::chrono::minutes(10)};
};

class Outbox {
 public:
  explicit Outbox(Database& db, RetryPolicy policy = {}) : db_(db), policy_(policy) {}

  // Adds an item inside the caller's write transaction. Returns false (and adds nothing)
  // when an item with the same idempotency key exists.
  static bool enqueue(soci::session& tx, const std::string& target, const std::string& operation,
                      const std::string& payload_json, const std::string& idempotency_key);
  // Adds several items inside the caller's write transaction with one statement per 50
  // items; items whose idempotency key exists are skipped, like enqueue(). Returns how many
  // were added.
  struct NewItem {
    std::string target, operation, payload_json, idempotency_key;
  };
  static std::size_t enqueue_all(soci::session& tx, const std::vector<NewItem>& items);
  // Convenience: enqueue in a transaction of its own.
  bool enqueue(const std::string& target, const std::string& operation,
               const std::string& payload_json, const std::string& idempotency_key);

  // Claims up to limit due items for node (pending and due, or inflight with an expired
  // lease), marking them inflight with a lease until now + lease.
  std::vector<OutboxItem> claim(const std::string& node, int limit, std::chrono::seconds lease);
  void complete(std::int64_t id);
  // Puts a claimed item back to pending, due after delay, without counting the attempt its
  // claim counted (held back, not failed).
  void defer(std::int64_t id, std::chrono::milliseconds delay);
  // Records a failed attempt: retried after an exponential backoff, or dead once
  // max_attempts is reached or permanent is true. Returns true when the item is now dead.
  bool fail(std::int64_t id, const std::string& error, bool permanent);
  // The outcomes of a dispatched batch in one write transaction (one commit for the batch
  // instead of two or three per item): each done item is passed to record (the kernel's
  // bookkeeping of the plugin's answer) and marked done inside a savepoint of its own, so an
  // item whose record throws stays inflight, untouched, and comes back in the result with its
  // exception instead of failing the others; each deferred item goes back to pending like
  // defer().
  struct Deferral {
    std::int64_t id = 0;
    std::chrono::milliseconds delay{0};
  };
  using Recorder = std::function<void(const OutboxItem& item)>;
  std::vector<std::pair<OutboxItem, std::exception_ptr>> settle(
      const std::vector<OutboxItem>& done, const Recorder& record,
      const std::vector<Deferral>& deferred);
  // Dead items, the most recently given up first.
  std::vector<OutboxItem> dead(int limit) const;
  // Items for the admin API, newest first: state and target filter when not empty; before_id
  // (when > 0) continues a listing after its last item.
  struct Query {
    std::string state;
    std::string target;
    std::int64_t before_id = 0;
    int limit = 50;
  };
  std::vector<OutboxItem> list(const Query& query) const;
  std::optional<OutboxItem> find(std::int64_t id) const;
  // Puts a dead item back to pending with its attempts reset. False when not dead.
  bool retry(std::int64_t id);
  // Who holds inflight items now (their claimed_by), for releasing a crashed node's claims.
  std::vector<std::string> claimants() const;
  // Puts the inflight items claimed by `claimant` back to pending, due now, without counting
  // the interrupted attempt against them: a node that restarts takes back what it held
  // instead of waiting for the lease. Returns how many.
  std::int64_t release(const std::string& claimant);
  // Item counts by state, for /metrics.
  std::vector<std::pair<std::string, std::int64_t>> counts() const;

 private:
  Database& db_;
  RetryPolicy policy_;
};

}  // namespace cxloop::repository

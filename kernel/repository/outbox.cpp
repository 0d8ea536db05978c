#include "repository/outbox.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <random>

#include "repository/clock.hpp"
#include "repository/database.hpp"

namespace cxloop::repository {
namespace {

const char* const kColumns =
    "id, target, operation, payload, idempotency_key, state, attempts, last_error, "
    "next_attempt_at, created_at";

// Binds one outbox row's columns for a fetch loop.
struct RowBinding {
  long long id = 0;
  OutboxItem item;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(item.target));
    st.exchange(soci::into(item.operation));
    st.exchange(soci::into(item.payload_json));
    st.exchange(soci::into(item.idempotency_key));
    st.exchange(soci::into(item.state));
    st.exchange(soci::into(item.attempts));
    st.exchange(soci::into(item.last_error));
    st.exchange(soci::into(item.next_attempt_at));
    st.exchange(soci::into(item.created_at));
  }
  OutboxItem current() const {
    OutboxItem out = item;
    out.id = id;
    return out;
  }
};

// Runs a query returning outbox rows (kColumns, in order) with the given parameters bound.
template <typename Bind>
std::vector<OutboxItem> fetch_items(soci::session& sql, const std::string& query, Bind bind_uses) {
  std::vector<OutboxItem> out;
  RowBinding row;
  soci::statement st(sql);
  bind_uses(st);
  row.bind(st);
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  st.execute(false);
  while (st.fetch()) out.push_back(row.current());
  return out;
}

std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempts) {
  // base * 2^(attempts-1), capped; "equal jitter" keeps at least half the delay so retries
  // from many items spread out without any coming back immediately.
  double delay = static_cast<double>(policy.base_delay.count());
  for (int i = 1; i < attempts && delay < static_cast<double>(policy.max_delay.count()); ++i)
    delay *= 2;
  const long long capped =
      std::min(static_cast<long long>(delay), static_cast<long long>(policy.max_delay.count()));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> jitter(0, capped / 2);
  return std::chrono::milliseconds(capped - capped / 2 + jitter(rng));
}

// Marks an item done; returns how many rows changed (0 when the id does not exist).
long long mark_done(soci::session& sql, std::int64_t id, const std::string& now) {
  const long long key = id;
  soci::statement st = (sql.prepare << "UPDATE outbox SET state = 'done', claimed_by = NULL, "
                                       "lease_until = NULL, updated_at = :u WHERE id = :id",
                        soci::use(now), soci::use(key));
  st.execute(true);
  return st.get_affected_rows();
}

// Back to pending, without counting the attempt the claim counted (put_back and release).
constexpr const char* kBackToPending =
    "UPDATE outbox SET state = 'pending', claimed_by = NULL, lease_until = NULL, "
    "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, ";

// Puts a claimed item back to pending, due after delay.
void put_back(soci::session& sql, std::int64_t id, Clock::TimePoint now_tp,
              std::chrono::milliseconds delay) {
  const long long key = id;
  const std::string now = to_rfc3339(now_tp);
  const std::string due = to_rfc3339(now_tp + delay);
  sql << std::string(kBackToPending) +
             "next_attempt_at = :due, updated_at = :u WHERE id = :id AND state = 'inflight'",
      soci::use(due), soci::use(now), soci::use(key);
}

void require_complete(const std::string& target, const std::string& operation,
                      const std::string& idempotency_key) {
  if (target.empty() || operation.empty() || idempotency_key.empty())
    throw std::invalid_argument(
        "an outbox item needs a target, an operation and an idempotency key (got target '" +
        target + "', operation '" + operation + "', key '" + idempotency_key + "')");
}

}  // namespace

std::size_t Outbox::enqueue_all(soci::session& tx, const std::vector<NewItem>& items) {
  // Rows per statement: SQLite finds each named parameter by a linear search, so statements
  // of a few hundred parameters, not thousands.
  constexpr std::size_t kRows = 50;
  for (const auto& item : items)
    require_complete(item.target, item.operation, item.idempotency_key);
  const std::string now = now_rfc3339();
  std::size_t added = 0;
  for (std::size_t start = 0; start < items.size(); start += kRows) {
    const std::size_t end = std::min(items.size(), start + kRows);
    std::string sql =
        "INSERT INTO outbox (target, operation, payload, idempotency_key, state, attempts, "
        "last_error, next_attempt_at, created_at, updated_at) VALUES ";
    for (std::size_t i = start; i < end; ++i) {
      const std::string n = std::to_string(i - start);
      sql += (i == start ? "" : ", ") + std::string("(:t") + n + ", :o" + n + ", :p" + n + ", :k" +
             n + ", 'pending', 0, '', :n" + n + ", :c" + n + ", :u" + n + ")";
    }
    sql += " ON CONFLICT (idempotency_key) DO NOTHING";
    soci::statement st(tx);
    for (std::size_t i = start; i < end; ++i) {
      st.exchange(soci::use(items[i].target));
      st.exchange(soci::use(items[i].operation));
      st.exchange(soci::use(items[i].payload_json));
      st.exchange(soci::use(items[i].idempotency_key));
      st.exchange(soci::use(now));
      st.exchange(soci::use(now));
      st.exchange(soci::use(now));
    }
    st.alloc();
    st.prepare(sql);
    st.define_and_bind();
    st.execute(true);
    added += static_cast<std::size_t>(st.get_affected_rows());
  }
  return added;
}

bool Outbox::enqueue(soci::session& tx, const std::string& target, const std::string& operation,
                     const std::string& payload_json, const std::string& idempotency_key) {
  return enqueue_all(tx, {{target, operation, payload_json, idempotency_key}}) > 0;
}

bool Outbox::enqueue(const std::string& target, const std::string& operation,
                     const std::string& payload_json, const std::string& idempotency_key) {
  bool added = false;
  db_.write([&](soci::session& tx) {
    added = enqueue(tx, target, operation, payload_json, idempotency_key);
  });
  return added;
}

std::vector<OutboxItem> Outbox::claim(const std::string& node, int limit,
                                      std::chrono::seconds lease) {
  if (limit <= 0) return {};
  const auto now_tp = Clock::now();
  const std::string now = to_rfc3339(now_tp);
  const std::string until = to_rfc3339(now_tp + lease);
  const int max_attempts = policy_.max_attempts;
  // SKIP LOCKED lets concurrent claimers on other nodes pass over rows being claimed instead
  // of waiting for them; SQLite has a single writer, so the plain sub-select is enough there.
  const std::string lock = db_.backend() == Backend::postgresql ? " FOR UPDATE SKIP LOCKED" : "";
  std::vector<OutboxItem> items;
  db_.write([&](soci::session& sql) {
    // An item whose lease expired after its last allowed attempt is given up, not retried:
    // it most likely crashed the worker that took it.
    sql << "UPDATE outbox SET state = 'dead', "
           "last_error = 'lease expired after the last allowed attempt', "
           "claimed_by = NULL, lease_until = NULL, updated_at = :now "
           "WHERE state = 'inflight' AND lease_until <= :now2 AND attempts >= :max",
        soci::use(now), soci::use(now), soci::use(max_attempts);
    // Due pending items first, then items whose lease expired (a worker that died), each
    // with a condition the (state, next_attempt_at) index answers in order: one query with
    // "pending OR expired inflight" makes SQLite sort every due row on each claim.
    const auto claim_where = [&](const std::string& condition, const std::string& order,
                                 int count) {
      return fetch_items(sql,
                         "UPDATE outbox SET state = 'inflight', claimed_by = :node, "
                         "lease_until = :until, attempts = attempts + 1, updated_at = :now "
                         "WHERE id IN (SELECT id FROM outbox WHERE " +
                             condition + " ORDER BY " + order + " LIMIT :limit" + lock +
                             ") RETURNING " + kColumns,
                         [&](soci::statement& st) {
                           st.exchange(soci::use(node));
                           st.exchange(soci::use(until));
                           st.exchange(soci::use(now));
                           st.exchange(soci::use(now));
                           st.exchange(soci::use(count));
                         });
    };
    items =
        claim_where("state = 'pending' AND next_attempt_at <= :now2", "next_attempt_at, id", limit);
    if (static_cast<int>(items.size()) < limit) {
      auto expired = claim_where("state = 'inflight' AND lease_until <= :now2", "lease_until, id",
                                 limit - static_cast<int>(items.size()));
      items.insert(items.end(), expired.begin(), expired.end());
    }
  });
  std::sort(items.begin(), items.end(),
            [](const OutboxItem& a, const OutboxItem& b) { return a.id < b.id; });
  return items;
}

void Outbox::complete(std::int64_t id) {
  const std::string now = now_rfc3339();
  long long changed = 0;
  db_.write([&](soci::session& sql) { changed = mark_done(sql, id, now); });
  if (changed == 0)
    throw std::invalid_argument("outbox item " + std::to_string(id) + " does not exist");
}

void Outbox::defer(std::int64_t id, std::chrono::milliseconds delay) {
  const auto now_tp = Clock::now();
  db_.write([&](soci::session& sql) { put_back(sql, id, now_tp, delay); });
}

std::vector<std::pair<OutboxItem, std::exception_ptr>> Outbox::settle(
    const std::vector<OutboxItem>& done, const Recorder& record,
    const std::vector<Deferral>& deferred) {
  std::vector<std::pair<OutboxItem, std::exception_ptr>> failed;
  if (done.empty() && deferred.empty()) return failed;
  const auto now_tp = Clock::now();
  const std::string now = to_rfc3339(now_tp);
  db_.write([&](soci::session& sql) {
    for (const auto& item : done) {
      try {
        // A nested write is a savepoint: a failing record leaves this item inflight and the
        // rest of the batch intact.
        db_.write([&](soci::session& tx) {
          if (record) record(item);
          mark_done(tx, item.id, now);
        });
      } catch (...) {
        failed.emplace_back(item, std::current_exception());
      }
    }
    for (const auto& d : deferred) put_back(sql, d.id, now_tp, d.delay);
  });
  return failed;
}

std::vector<std::string> Outbox::claimants() const {
  std::vector<std::string> out;
  db_.read([&](soci::session& sql) {
    soci::rowset<std::string> rows =
        (sql.prepare << "SELECT DISTINCT claimed_by FROM outbox WHERE state = 'inflight' AND "
                        "claimed_by IS NOT NULL");
    for (const auto& claimant : rows) out.push_back(claimant);
  });
  return out;
}

std::int64_t Outbox::release(const std::string& claimant) {
  const std::string now = now_rfc3339();
  long long changed = 0;
  db_.write([&](soci::session& sql) {
    soci::statement st =
        (sql.prepare << std::string(kBackToPending) +
                            "next_attempt_at = :n, updated_at = :u WHERE state = 'inflight' AND "
                            "claimed_by = :c",
         soci::use(now), soci::use(now), soci::use(claimant));
    st.execute(true);
    changed = st.get_affected_rows();
  });
  return changed;
}

bool Outbox::fail(std::int64_t id, const std::string& error, bool permanent) {
  const long long key = id;
  const auto now_tp = Clock::now();
  const std::string now = to_rfc3339(now_tp);
  bool found = true;
  bool dead = false;
  db_.write([&](soci::session& sql) {
    int attempts = 0;
    sql << "SELECT attempts FROM outbox WHERE id = :id", soci::use(key), soci::into(attempts);
    if (!sql.got_data()) {
      found = false;
      return;
    }
    if (permanent || attempts >= policy_.max_attempts) {
      dead = true;
      sql << "UPDATE outbox SET state = 'dead', last_error = :e, claimed_by = NULL, "
             "lease_until = NULL, updated_at = :u WHERE id = :id",
          soci::use(error), soci::use(now), soci::use(key);
      return;
    }
    const std::string next = to_rfc3339(now_tp + backoff(policy_, std::max(attempts, 1)));
    sql << "UPDATE outbox SET state = 'pending', last_error = :e, next_attempt_at = :n, "
           "claimed_by = NULL, lease_until = NULL, updated_at = :u WHERE id = :id",
        soci::use(error), soci::use(next), soci::use(now), soci::use(key);
  });
  if (!found) throw std::invalid_argument("outbox item " + std::to_string(id) + " does not exist");
  return dead;
}

std::vector<OutboxItem> Outbox::dead(int limit) const {
  std::vector<OutboxItem> items;
  db_.read([&](soci::session& sql) {
    items = fetch_items(sql,
                        std::string("SELECT ") + kColumns +
                            " FROM outbox WHERE state = 'dead' ORDER BY updated_at DESC, id DESC "
                            "LIMIT :limit",
                        [&](soci::statement& st) { st.exchange(soci::use(limit)); });
  });
  return items;
}

std::vector<OutboxItem> Outbox::list(const Query& query) const {
  std::string where = " WHERE 1 = 1";
  if (!query.state.empty()) where += " AND state = :state";
  if (!query.target.empty()) where += " AND target = :target";
  if (query.before_id > 0) where += " AND id < :before";
  const long long before = query.before_id;
  const int limit = query.limit;
  std::vector<OutboxItem> items;
  db_.read([&](soci::session& sql) {
    items = fetch_items(sql,
                        std::string("SELECT ") + kColumns + " FROM outbox" + where +
                            " ORDER BY id DESC LIMIT :limit",
                        [&](soci::statement& st) {
                          if (!query.state.empty()) st.exchange(soci::use(query.state));
                          if (!query.target.empty()) st.exchange(soci::use(query.target));
                          if (query.before_id > 0) st.exchange(soci::use(before));
                          st.exchange(soci::use(limit));
                        });
  });
  return items;
}

std::optional<OutboxItem> Outbox::find(std::int64_t id) const {
  const long long key = id;
  std::vector<OutboxItem> items;
  db_.read([&](soci::session& sql) {
    items = fetch_items(sql, std::string("SELECT ") + kColumns + " FROM outbox WHERE id = :id",
                        [&](soci::statement& st) { st.exchange(soci::use(key)); });
  });
  if (items.empty()) return std::nullopt;
  return items.front();
}

bool Outbox::retry(std::int64_t id) {
  const long long key = id;
  const std::string now = now_rfc3339();
  long long changed = 0;
  db_.write([&](soci::session& sql) {
    soci::statement st =
        (sql.prepare << "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = :n, "
                        "updated_at = :u WHERE id = :id AND state = 'dead'",
         soci::use(now), soci::use(now), soci::use(key));
    st.execute(true);
    changed = st.get_affected_rows();
  });
  return changed > 0;
}

std::vector<std::pair<std::string, std::int64_t>> Outbox::counts() const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  db_.read([&](soci::session& sql) {
    std::string state;
    long long count = 0;
    soci::statement st = (sql.prepare << "SELECT state, COUNT(*) FROM outbox GROUP BY state "
                                         "ORDER BY state",
                          soci::into(state), soci::into(count));
    st.execute();
    while (st.fetch()) out.emplace_back(state, count);
  });
  return out;
}

}  // namespace cxloop::repository

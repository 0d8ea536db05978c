#include <soci/soci.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <thread>

#include "repository/clock.hpp"
#include "repository/outbox.hpp"
#include "test_databases.hpp"

using namespace cxloop::repository;
using namespace std::chrono_literals;
using cxloop::testing::test_backends;
using cxloop::testing::TestDatabase;

namespace {

// Freezes the clock for one test and gives it back to the system afterwards.
struct FrozenClock {
  FrozenClock() { Clock::set_for_tests(*parse_rfc3339("2030-06-01T12:00:00.000Z")); }
  ~FrozenClock() { Clock::reset_for_tests(); }
  void advance(std::chrono::milliseconds d) { Clock::advance_for_tests(d); }
};

std::chrono::milliseconds delay_until(const std::string& at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(*parse_rfc3339(at) - Clock::now());
}

}  // namespace

TEST_CASE("Enqueueing the same idempotency key twice adds one item") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  Outbox outbox(t.db());
  CHECK(outbox.enqueue("webhook", "push_task", R"({"task": 1})", "task:1:push"));
  CHECK_FALSE(outbox.enqueue("webhook", "push_task", R"({"task": 2})", "task:1:push"));
  CHECK(outbox.counts() == std::vector<std::pair<std::string, std::int64_t>>{{"pending", 1}});
}

TEST_CASE("An item enqueued in a transaction that fails is not stored") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  Outbox outbox(t.db());
  CHECK_THROWS_AS(t.db().write([](soci::session& tx) {
    Outbox::enqueue(tx, "mail", "send", "{}", "n:1");
    throw std::runtime_error("state change failed");
  }),
                  std::runtime_error);
  CHECK(outbox.counts().empty());
}

TEST_CASE("A claimed item is leased to one node until it completes or the lease expires") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  FrozenClock clock;
  Outbox outbox(t.db());
  REQUIRE(outbox.enqueue("webhook", "push_task", R"({"task": 1})", "k1"));
  REQUIRE(outbox.enqueue("webhook", "push_task", R"({"task": 2})", "k2"));

  const auto first = outbox.claim("node-a", 10, 30s);
  REQUIRE(first.size() == 2);
  CHECK(first[0].state == "inflight");
  CHECK(first[0].attempts == 1);
  CHECK(first[0].payload_json == R"({"task": 1})");
  CHECK(first[0].idempotency_key == "k1");
  CHECK(outbox.claim("node-b", 10, 30s).empty());

  outbox.complete(first[0].id);
  CHECK(outbox.find(first[0].id)->state == "done");

  clock.advance(29s);
  CHECK(outbox.claim("node-b", 10, 30s).empty());
  clock.advance(1s);
  const auto reclaimed = outbox.claim("node-b", 10, 30s);
  REQUIRE(reclaimed.size() == 1);
  CHECK(reclaimed[0].id == first[1].id);
  CHECK(reclaimed[0].attempts == 2);
  CHECK_THROWS_AS(outbox.complete(999999), std::invalid_argument);
}

TEST_CASE("A failed attempt is retried after an exponential backoff with jitter") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  FrozenClock clock;
  RetryPolicy policy;
  policy.max_attempts = 10;
  policy.base_delay = 1000ms;
  policy.max_delay = 5000ms;
  Outbox outbox(t.db(), policy);
  REQUIRE(outbox.enqueue("mail", "send", "{}", "n:1"));

  // Attempt n waits base * 2^(n-1), capped at max_delay, of which the jitter may take half.
  const std::vector<std::pair<long, long>> windows = {
      {500, 1000}, {1000, 2000}, {2000, 4000}, {2500, 5000}, {2500, 5000}};
  for (std::size_t n = 0; n < windows.size(); ++n) {
    CAPTURE(n);
    const auto claimed = outbox.claim("node", 1, 60s);
    REQUIRE(claimed.size() == 1);
    outbox.fail(claimed[0].id, "connection refused", false);
    const auto item = *outbox.find(claimed[0].id);
    CHECK(item.state == "pending");
    CHECK(item.last_error == "connection refused");
    const auto delay = delay_until(item.next_attempt_at).count();
    CHECK(delay >= windows[n].first);
    CHECK(delay <= windows[n].second);
    CHECK(outbox.claim("node", 1, 60s).empty());
    clock.advance(std::chrono::milliseconds(delay));
  }
}

TEST_CASE("An item is dead after its last attempt or a permanent failure, and can be retried") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  FrozenClock clock;
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.base_delay = 100ms;
  Outbox outbox(t.db(), policy);
  REQUIRE(outbox.enqueue("mail", "send", "{}", "flaky"));
  REQUIRE(outbox.enqueue("mail", "send", "{}", "rejected"));

  std::int64_t flaky = 0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    clock.advance(1h);
    auto claimed = outbox.claim("node", 10, 60s);
    if (attempt == 1) {
      REQUIRE(claimed.size() == 2);
      outbox.fail(claimed[1].id, "mailbox does not exist", true);
      CHECK(outbox.find(claimed[1].id)->state == "dead");
    }
    REQUIRE_FALSE(claimed.empty());
    flaky = claimed[0].id;
    CHECK(claimed[0].attempts == attempt);
    outbox.fail(flaky, "timeout " + std::to_string(attempt), false);
  }
  const auto item = *outbox.find(flaky);
  CHECK(item.state == "dead");
  CHECK(item.last_error == "timeout 3");
  clock.advance(1h);
  CHECK(outbox.claim("node", 10, 60s).empty());

  const auto dead = outbox.dead(10);
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].id == flaky);  // newest first
  CHECK(dead[1].last_error == "mailbox does not exist");

  CHECK(outbox.retry(flaky));
  CHECK_FALSE(outbox.retry(flaky));
  const auto revived = outbox.claim("node", 10, 60s);
  REQUIRE(revived.size() == 1);
  CHECK(revived[0].id == flaky);
  CHECK(revived[0].attempts == 1);
  auto counts = outbox.counts();
  CHECK(counts == std::vector<std::pair<std::string, std::int64_t>>{{"dead", 1}, {"inflight", 1}});
}

TEST_CASE("An item whose lease expires after its last attempt is dead, not retried") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  FrozenClock clock;
  RetryPolicy policy;
  policy.max_attempts = 1;
  Outbox outbox(t.db(), policy);
  REQUIRE(outbox.enqueue("mail", "send", "{}", "crasher"));
  const auto claimed = outbox.claim("node-a", 1, 10s);
  REQUIRE(claimed.size() == 1);
  clock.advance(11s);
  CHECK(outbox.claim("node-b", 1, 10s).empty());
  CHECK(outbox.find(claimed[0].id)->state == "dead");
}

TEST_CASE("Concurrent claimers on separate connections never take the same item") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  constexpr int kItems = 200;
  constexpr int kNodes = 4;
  t.db().write([&](soci::session& tx) {
    for (int i = 0; i < kItems; ++i)
      Outbox::enqueue(tx, "webhook", "push", "{}", "item:" + std::to_string(i));
  });

  std::vector<std::unique_ptr<Database>> nodes;
  for (int n = 0; n < kNodes; ++n) nodes.push_back(t.open_another(1));
  std::vector<std::vector<std::int64_t>> taken(kNodes);
  std::vector<std::exception_ptr> errors(kNodes);
  std::vector<std::thread> threads;
  for (int n = 0; n < kNodes; ++n) {
    threads.emplace_back([&, n] {
      try {
        Outbox outbox(*nodes[n]);
        for (;;) {
          const auto batch = outbox.claim("node-" + std::to_string(n), 7, 300s);
          if (batch.empty()) break;
          for (const auto& item : batch) taken[n].push_back(item.id);
        }
      } catch (...) {
        errors[n] = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);

  std::vector<std::int64_t> all;
  for (const auto& ids : taken) all.insert(all.end(), ids.begin(), ids.end());
  std::set<std::int64_t> unique(all.begin(), all.end());
  CHECK(all.size() == static_cast<std::size_t>(kItems));
  CHECK(unique.size() == static_cast<std::size_t>(kItems));
  for (auto& node : nodes) node->close();
}

TEST_CASE(
    "A restarted node takes back its in-flight items at once; deferred items do not count an "
    "attempt") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  FrozenClock clock;
  Outbox outbox(t.db());
  outbox.enqueue("mailer", "send", "{}", "n:1");
  outbox.enqueue("mailer", "send", "{}", "n:2");
  outbox.enqueue("mailer", "send", "{}", "n:3");
  auto crashed = outbox.claim("host:111", 2, std::chrono::seconds(300));
  auto alive = outbox.claim("host:222", 1, std::chrono::seconds(300));
  REQUIRE(crashed.size() == 2);
  REQUIRE(alive.size() == 1);
  auto claimants = outbox.claimants();
  std::sort(claimants.begin(), claimants.end());
  CHECK(claimants == std::vector<std::string>{"host:111", "host:222"});

  CHECK(outbox.release("host:111") == 2);
  CHECK(outbox.release("host:111") == 0);
  auto again = outbox.claim("host:333", 5, std::chrono::seconds(300));
  REQUIRE(again.size() == 2);  // due now, not after the lease; host:222's item stays its own
  for (const auto& item : again) CHECK(item.attempts == 1);  // the interrupted try is not counted

  outbox.defer(again[0].id, std::chrono::seconds(10));
  CHECK(outbox.find(again[0].id)->state == "pending");
  CHECK(outbox.find(again[0].id)->attempts == 0);
  CHECK(outbox.claim("host:333", 5, std::chrono::seconds(300)).empty());  // held back
  clock.advance(std::chrono::seconds(11));
  CHECK(outbox.claim("host:333", 5, std::chrono::seconds(300)).size() == 1);
}

TEST_CASE(
    "Settling a batch completes its done items, puts its deferred items back, and leaves an item "
    "whose record fails in flight") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  TestDatabase t(backend);
  FrozenClock clock;
  Outbox outbox(t.db());
  for (int i = 1; i <= 4; ++i)
    REQUIRE(outbox.enqueue("mail", "send", "{}", "n:" + std::to_string(i)));
  const auto claimed = outbox.claim("node-a", 4, 60s);
  REQUIRE(claimed.size() == 4);

  std::vector<std::int64_t> recorded;
  const auto failed = outbox.settle(
      {claimed[0], claimed[1], claimed[2]},
      [&](const OutboxItem& item) {
        // The recorder writes in the batch's transaction; the failing item's write is undone.
        const long long id = item.id;
        t.db().write([&](soci::session& tx) {
          tx << "UPDATE outbox SET last_error = 'recorded' WHERE id = :id", soci::use(id);
        });
        if (item.id == claimed[1].id) throw std::runtime_error("the answer has no reference");
        recorded.push_back(item.id);
      },
      {{claimed[3].id, 5s}});

  REQUIRE(failed.size() == 1);
  CHECK(failed[0].first.id == claimed[1].id);
  CHECK_THROWS_WITH(std::rethrow_exception(failed[0].second), "the answer has no reference");
  CHECK(recorded == std::vector<std::int64_t>{claimed[0].id, claimed[2].id});
  CHECK(outbox.find(claimed[0].id)->state == "done");
  CHECK(outbox.find(claimed[0].id)->last_error == "recorded");
  const OutboxItem kept = *outbox.find(claimed[1].id);
  CHECK(kept.state == "inflight");
  CHECK(kept.last_error.empty());
  CHECK(outbox.find(claimed[2].id)->state == "done");
  const OutboxItem held = *outbox.find(claimed[3].id);
  CHECK(held.state == "pending");
  CHECK(held.attempts == 0);  // held back, not failed
  CHECK(delay_until(held.next_attempt_at) == 5s);
}

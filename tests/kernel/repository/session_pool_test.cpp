#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <catch2/catch.hpp>

#include "repository/session_pool.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

using cxloop::repository::SessionPool;

namespace {

// Waits (bounded) until count callers queue for a session.
void wait_for_waiters(const SessionPool& pool, std::size_t count) {
  for (int i = 0; i < 5000 && pool.waiting() < count; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(pool.waiting() == count);
}

}  // namespace

TEST_CASE("A returned session goes to the caller that has waited longest") {
  SessionPool pool(1, [] { return std::make_unique<soci::session>(soci::sqlite3, ":memory:"); });
  std::optional<SessionPool::Lease> held(pool.acquire());
  std::mutex order_mutex;
  std::string order;
  auto job = [&](char name) {
    SessionPool::Lease lease = pool.acquire();
    std::lock_guard<std::mutex> lock(order_mutex);
    order += name;
  };
  std::thread first(job, 'A');
  wait_for_waiters(pool, 1);
  std::thread second(job, 'B');
  wait_for_waiters(pool, 2);
  std::thread third(job, 'C');
  wait_for_waiters(pool, 3);
  held.reset();
  first.join();
  second.join();
  third.join();
  CHECK(order == "ABC");
  CHECK(pool.waiting() == 0);
}

TEST_CASE("A caller arriving while others wait does not take a returned session before them") {
  SessionPool pool(1, [] { return std::make_unique<soci::session>(soci::sqlite3, ":memory:"); });
  std::optional<SessionPool::Lease> held(pool.acquire());
  std::mutex order_mutex;
  std::string order;
  std::thread waiter([&] {
    SessionPool::Lease lease = pool.acquire();
    std::lock_guard<std::mutex> lock(order_mutex);
    order += 'W';
  });
  wait_for_waiters(pool, 1);
  held.reset();
  {
    // Asks at once after the return, before the woken waiter has run.
    SessionPool::Lease lease = pool.acquire();
    std::lock_guard<std::mutex> lock(order_mutex);
    order += 'L';
  }
  waiter.join();
  CHECK(order == "WL");
}

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "workflow_fixture.hpp"

using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;

// On PostgreSQL intakes commit concurrently: two first contacts of one new customer both try
// to create them, and the second insert meets the unique e-mail index. Both must still answer
// with a case, on one customer.
TEST_CASE("Concurrent first contacts of one new customer all get a case on one customer") {
  const std::string backend = GENERATE(from_range(test_backends()));
  CAPTURE(backend);
  WorkflowFixture t(backend);
  constexpr int kThreads = 8;
  constexpr int kCustomers = 12;
  std::atomic<int> failed{0};
  std::string first_error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int c = 0; c < kCustomers; ++c) {
        try {
          t.intake("first" + std::to_string(c) + "@example.com");
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (failed++ == 0) first_error = e.what();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CAPTURE(first_error);
  CHECK(failed == 0);
  for (int c = 0; c < kCustomers; ++c) {
    auto page = t.customers().list({{"email", "first" + std::to_string(c) + "@example.com"}});
    CHECK(page.items.size() == 1);
  }
}

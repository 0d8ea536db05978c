// The event bus: pattern matching, per-subscriber order, exception isolation, draining stop.
#include <catch2/catch.hpp>

#include <mutex>
#include <stdexcept>
#include <vector>

#include "events/event_bus.hpp"

using cxloop::events::Event;
using cxloop::events::EventBus;

namespace {

Event make(std::string type, int n) {
  Event event;
  event.type = std::move(type);
  event.subject = "case:" + std::to_string(n);
  return event;
}

// Collects what a subscriber saw, from bus worker threads.
struct Seen {
  std::mutex mutex;
  std::vector<std::string> items;
  void add(const Event& e) {
    std::lock_guard<std::mutex> lock(mutex);
    items.push_back(e.type + "/" + e.subject);
  }
};

}  // namespace

TEST_CASE("Exact, prefix and catch-all patterns select the events a subscriber gets") {
  EventBus bus(2);
  Seen exact, prefix, all;
  bus.subscribe("exact", "case.created", [&](const Event& e) { exact.add(e); });
  bus.subscribe("prefix", "case.*", [&](const Event& e) { prefix.add(e); });
  bus.subscribe("all", "*", [&](const Event& e) { all.add(e); });
  bus.publish(make("case.created", 1));
  bus.publish(make("case.state_changed", 2));
  bus.publish(make("casework.x", 3));
  bus.publish(make("problem.created", 4));
  bus.stop();  // drains
  CHECK(exact.items == std::vector<std::string>{"case.created/case:1"});
  CHECK(prefix.items ==
        std::vector<std::string>{"case.created/case:1", "case.state_changed/case:2"});
  CHECK(all.items.size() == 4);
}

TEST_CASE("Each subscriber receives its events in publication order with several workers") {
  EventBus bus(4);
  Seen a, b;
  bus.subscribe("a", "*", [&](const Event& e) { a.add(e); });
  bus.subscribe("b", "*", [&](const Event& e) { b.add(e); });
  std::vector<std::string> expected;
  for (int i = 0; i < 2000; ++i) {
    bus.publish(make("t", i));
    expected.push_back("t/case:" + std::to_string(i));
  }
  bus.stop();
  CHECK(a.items == expected);
  CHECK(b.items == expected);
}

TEST_CASE("A throwing subscriber is counted and does not stop delivery to itself or others") {
  EventBus bus(2);
  Seen healthy;
  int calls = 0;
  bus.subscribe("broken", "*", [&](const Event&) {
    ++calls;  // one subscriber is never run concurrently with itself
    throw std::runtime_error("boom");
  });
  bus.subscribe("healthy", "*", [&](const Event& e) { healthy.add(e); });
  for (int i = 0; i < 5; ++i) bus.publish(make("t", i));
  bus.stop();
  CHECK(calls == 5);
  CHECK(healthy.items.size() == 5);
  CHECK(bus.failed() == 5);
}

TEST_CASE("stop() delivers everything queued before returning") {
  EventBus bus(1);
  std::mutex gate;
  std::unique_lock<std::mutex> hold(gate);
  Seen seen;
  bus.subscribe("slow", "*", [&](const Event& e) {
    std::lock_guard<std::mutex> wait(gate);  // blocks until the test lets go
    seen.add(e);
  });
  for (int i = 0; i < 10; ++i) bus.publish(make("t", i));
  CHECK(bus.queued() >= 9);  // at most one taken by the blocked worker
  hold.unlock();
  bus.stop();
  CHECK(seen.items.size() == 10);
  CHECK(bus.queued() == 0);
}

TEST_CASE("Events published after stop are dropped, not delivered") {
  EventBus bus(1);
  Seen seen;
  bus.subscribe("s", "*", [&](const Event& e) { seen.add(e); });
  bus.stop();
  bus.publish(make("t", 1));
  CHECK(seen.items.empty());
  CHECK(bus.queued() == 0);
}

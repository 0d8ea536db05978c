#include "workflow_fixture.hpp"

#include <mutex>

#include "events/event_bus.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;

TEST_CASE("committed changes are published on the event bus; refused ones are not") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  cxloop::events::EventBus bus(1);
  std::mutex mutex;
  std::vector<std::string> seen;
  bus.subscribe("test", "*", [&](const cxloop::events::Event& event) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(event.type + " " + event.subject);
  });
  f.context.bus = &bus;
  auto id = f.intake_id("ann@example.com");
  CHECK(error_kind([&] { f.cases().transition(id, "closed", 99, f.agent); }) ==
        ErrorKind::stale_revision);
  f.cases().transition(id, "open", 1, f.agent);
  bus.stop();  // delivers everything queued
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(seen == std::vector<std::string>{"customer.created customer:1", "case.created case:1",
                                         "case.state_changed case:1"});
}

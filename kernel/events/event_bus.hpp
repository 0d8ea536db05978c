// In-process publish/subscribe for kernel events. Publishing never blocks on subscribers:
// events are queued and delivered by the bus's worker threads, never on HTTP threads.
// Delivery to one subscriber is in order; different subscribers may run concurrently.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "events/event.hpp"

namespace cxloop::events {

class EventBus {
 public:
  using Callback = std::function<void(const Event&)>;

  explicit EventBus(std::size_t workers = 2);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // pattern: exact type, "prefix.*", or "*". Returns a subscription id. A callback that
  // throws is logged and counted; it does not stop delivery to others.
  int subscribe(std::string subscriber, std::string pattern, Callback callback);
  void publish(const Event& event);
  // Events queued and not yet delivered (for /metrics).
  std::size_t queued() const;
  // Callback invocations that threw, since the bus started (for /metrics).
  std::size_t failed() const;
  // Delivers what is queued, then stops the workers.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxloop::events

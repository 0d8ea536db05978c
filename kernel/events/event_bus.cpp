#include "events/event_bus.hpp"

#include <Poco/Logger.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace cxloop::events {

namespace {

bool matches(const std::string& pattern, const std::string& type) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
    const std::size_t prefix = pattern.size() - 1;  // keeps the dot: "case." for "case.*"
    return type.size() > prefix && type.compare(0, prefix, pattern, 0, prefix) == 0;
  }
  return pattern == type;
}

}  // namespace

// Each subscription has its own queue. A subscription with pending events sits in `ready`
// until a worker takes it; while a worker delivers to it, it is `busy` and no other worker
// touches it, which keeps its events in order while different subscriptions run in parallel.
struct EventBus::Impl {
  struct Subscription {
    int id = 0;
    std::string subscriber;
    std::string pattern;
    Callback callback;
    std::deque<Event> pending;
    bool scheduled = false;  // in `ready` or being delivered by a worker
  };

  mutable std::mutex mutex;
  std::condition_variable wake;
  std::vector<std::unique_ptr<Subscription>> subscriptions;
  std::deque<Subscription*> ready;
  std::size_t queued = 0;
  bool stopping = false;
  int next_id = 1;
  std::atomic<std::size_t> failed{0};
  std::vector<std::thread> workers;
  Poco::Logger& log = Poco::Logger::get("cxloop.events");

  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return !ready.empty() || stopping; });
      if (ready.empty()) return;  // stopping, and everything queued has been delivered
      Subscription* s = ready.front();
      ready.pop_front();
      Event event = std::move(s->pending.front());
      s->pending.pop_front();
      --queued;
      lock.unlock();
      deliver(*s, event);
      lock.lock();
      if (!s->pending.empty()) {
        ready.push_back(s);  // back of the line: one busy subscriber cannot starve the rest
        wake.notify_one();
      } else {
        s->scheduled = false;
      }
    }
  }

  void deliver(Subscription& s, const Event& event) {
    try {
      s.callback(event);
      return;
    } catch (const std::exception& e) {
      log.error("subscriber " + s.subscriber + " failed on event " + event.type + " (" +
                event.subject + "): " + e.what());
    } catch (...) {
      log.error("subscriber " + s.subscriber + " failed on event " + event.type + " (" +
                event.subject + ") with an unknown exception");
    }
    ++failed;
  }
};

EventBus::EventBus(std::size_t workers) : impl_(std::make_unique<Impl>()) {
  if (workers == 0) workers = 1;
  for (std::size_t i = 0; i < workers; ++i) {
    impl_->workers.emplace_back([this] { impl_->run(); });
  }
}

EventBus::~EventBus() { stop(); }

int EventBus::subscribe(std::string subscriber, std::string pattern, Callback callback) {
  auto s = std::make_unique<Impl::Subscription>();
  s->subscriber = std::move(subscriber);
  s->pattern = std::move(pattern);
  s->callback = std::move(callback);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  s->id = impl_->next_id++;
  impl_->subscriptions.push_back(std::move(s));
  return impl_->subscriptions.back()->id;
}

void EventBus::publish(const Event& event) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->stopping) {
    impl_->log.warning("event " + event.type + " (" + event.subject +
                       ") published after the bus stopped; not delivered");
    return;
  }
  for (auto& s : impl_->subscriptions) {
    if (!matches(s->pattern, event.type)) continue;
    s->pending.push_back(event);
    ++impl_->queued;
    if (!s->scheduled) {
      s->scheduled = true;
      impl_->ready.push_back(s.get());
      impl_->wake.notify_one();
    }
  }
}

std::size_t EventBus::queued() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->queued;
}

std::size_t EventBus::failed() const { return impl_->failed.load(); }

void EventBus::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->stopping && impl_->workers.empty()) return;
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& worker : impl_->workers) {
    if (worker.joinable()) worker.join();
  }
  impl_->workers.clear();
}

}  // namespace cxloop::events

// Per-key token buckets for the outbox gate: a notifier instance limited to N messages per
// second gets them spread out, and the items over the limit wait in the outbox (pending,
// due when their token comes) instead of piling onto the receiver.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace cxloop::app {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(std::map<std::string, double> per_second) : rates_(std::move(per_second)) {}

  // Zero when key may go now (taking a token), else how long until it may. Keys without a
  // rate are never limited.
  std::chrono::milliseconds acquire(const std::string& key, Clock::time_point now = Clock::now()) {
    auto rate = rates_.find(key);
    if (rate == rates_.end() || rate->second <= 0) return std::chrono::milliseconds(0);
    std::lock_guard<std::mutex> lock(mutex_);
    Bucket& bucket = buckets_[key];
    const double capacity = std::max(1.0, rate->second);  // a burst of at most one second
    if (bucket.last == Clock::time_point{}) {
      bucket.tokens = capacity;
    } else {
      const double seconds = std::chrono::duration<double>(now - bucket.last).count();
      bucket.tokens = std::min(capacity, bucket.tokens + seconds * rate->second);
    }
    bucket.last = now;
    if (bucket.tokens >= 1.0) {
      bucket.tokens -= 1.0;
      return std::chrono::milliseconds(0);
    }
    const double wait = (1.0 - bucket.tokens) / rate->second;
    return std::chrono::milliseconds(static_cast<long long>(wait * 1000.0) + 1);
  }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last{};
  };
  std::map<std::string, double> rates_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace cxloop::app

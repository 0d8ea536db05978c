// Per-client rate limit for the public form endpoint: one token bucket per client address,
// holding up to `per_minute` tokens and refilled at per_minute/60 tokens a second. In-process
// only: each server node limits on its own, which is enough to blunt a single noisy client.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace cxloop::channels::web {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(int per_minute, std::size_t max_clients = 10000);

  // Takes a token for client at now. Returns nullopt when allowed, else the whole seconds
  // (at least 1) until a token is available, for Retry-After.
  std::optional<int> take(const std::string& client, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  // Forgets buckets that have refilled completely: they behave exactly like new ones.
  void forget_idle(Clock::time_point now);

  double capacity_;
  double per_second_;
  std::size_t max_clients_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace cxloop::channels::web

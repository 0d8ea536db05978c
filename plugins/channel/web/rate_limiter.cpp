#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace cxloop::channels::web {

RateLimiter::RateLimiter(int per_minute, std::size_t max_clients)
    : capacity_(std::max(1, per_minute)),
      per_second_(std::max(1, per_minute) / 60.0),
      max_clients_(max_clients) {}

std::optional<int> RateLimiter::take(const std::string& client, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) forget_idle(now);
    it = buckets_.emplace(client, Bucket{capacity_, now}).first;
  }
  Bucket& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(capacity_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - bucket.tokens) / per_second_)));
}

void RateLimiter::forget_idle(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * per_second_ >= capacity_) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace cxloop::channels::web

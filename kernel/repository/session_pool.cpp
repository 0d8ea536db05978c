#include "repository/session_pool.hpp"

#include <soci/soci.h>

namespace cxloop::repository {

SessionPool::SessionPool(std::size_t size, const Factory& factory) {
  sessions_.reserve(size);
  for (std::size_t i = 0; i < size; ++i) {
    sessions_.push_back(factory());
    free_.push_back(i);
  }
}

SessionPool::~SessionPool() = default;

SessionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(index_, failed_);
}

soci::session& SessionPool::Lease::session() const { return *pool_->sessions_[index_]; }

SessionPool::Lease SessionPool::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (waiters_.empty() && !free_.empty()) {
    const std::size_t index = free_.back();
    free_.pop_back();
    return Lease(*this, index);
  }
  Waiter waiter;
  waiters_.push_back(&waiter);
  waiter.ready.wait(lock, [&waiter] { return waiter.index.has_value(); });
  return Lease(*this, *waiter.index);
}

std::size_t SessionPool::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiters_.size();
}

void SessionPool::give_back(std::size_t index, bool check) noexcept {
  soci::session& session = *sessions_[index];
  // A dropped connection is repaired here rather than failing every later job on it; if the
  // server is still gone the next job fails with the backend's own message.
  try {
    if (check && !session.is_connected()) session.reconnect();
  } catch (...) {
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (waiters_.empty()) {
    free_.push_back(index);
    return;
  }
  // Handed over directly, so no caller arriving meanwhile can take it first. Notified under
  // the lock: the waiter (and its condition variable) may be gone once the lock is released.
  Waiter* oldest = waiters_.front();
  waiters_.pop_front();
  oldest->index = index;
  oldest->ready.notify_one();
}

}  // namespace cxloop::repository

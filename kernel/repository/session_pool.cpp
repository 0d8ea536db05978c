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
  available_.wait(lock, [this] { return !free_.empty(); });
  const std::size_t index = free_.back();
  free_.pop_back();
  return Lease(*this, index);
}

void SessionPool::give_back(std::size_t index, bool check) noexcept {
  soci::session& session = *sessions_[index];
  // A dropped connection is repaired here rather than failing every later job on it; if the
  // server is still gone the next job fails with the backend's own message.
  try {
    if (check && !session.is_connected()) session.reconnect();
  } catch (...) {
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(index);
  }
  available_.notify_one();
}

}  // namespace cxloop::repository

// A fixed set of open SOCI sessions lent to one caller at a time. Used for SQLite's
// read-only connections and for PostgreSQL's read and write connections. A session used by a
// job that failed is checked when it is returned and reconnected if its connection dropped
// (server restart), so one outage does not poison the pool. Callers that find no session
// free are served in the order they asked: a returned session is handed to the longest
// waiter, never taken by a caller that arrives later, which bounds the wait of each job when
// more jobs than sessions run at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace soci {
class session;
}

namespace cxloop::repository {

class SessionPool {
 public:
  using Factory = std::function<std::unique_ptr<soci::session>()>;

  // Opens size sessions with factory now, so a bad URL fails at start-up.
  SessionPool(std::size_t size, const Factory& factory);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // A borrowed session, given back when the lease is destroyed.
  class Lease {
   public:
    Lease(SessionPool& pool, std::size_t index) : pool_(&pool), index_(index) {}
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), index_(other.index_), failed_(other.failed_) {
      other.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    soci::session& session() const;
    // The job on this session failed; check the connection before lending it again.
    void mark_failed() { failed_ = true; }

   private:
    SessionPool* pool_;
    std::size_t index_;
    bool failed_ = false;
  };

  // Blocks until a session is free and every caller that was waiting before has had one.
  Lease acquire();

  // How many callers are waiting for a session (for tests and diagnostics).
  std::size_t waiting() const;

 private:
  // A caller waiting for a session: give_back stores the session's index and wakes it.
  struct Waiter {
    std::condition_variable ready;
    std::optional<std::size_t> index;
  };

  void give_back(std::size_t index, bool check) noexcept;

  std::vector<std::unique_ptr<soci::session>> sessions_;
  std::vector<std::size_t> free_;
  std::deque<Waiter*> waiters_;  // oldest first; each lives on its caller's stack
  mutable std::mutex mutex_;
};

}  // namespace cxloop::repository

// A fixed set of open SOCI sessions lent to one caller at a time. Used for SQLite's
// read-only connections and for PostgreSQL's read and write connections. A session used by a
// job that failed is checked when it is returned and reconnected if its connection dropped
// (server restart), so one outage does not poison the pool.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
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

  // Blocks until a session is free.
  Lease acquire();

 private:
  void give_back(std::size_t index, bool check) noexcept;

  std::vector<std::unique_ptr<soci::session>> sessions_;
  std::vector<std::size_t> free_;
  std::mutex mutex_;
  std::condition_variable available_;
};

}  // namespace cxloop::repository

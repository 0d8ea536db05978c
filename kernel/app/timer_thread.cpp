#include "app/timer_thread.hpp"

#include <algorithm>

#include <Poco/Logger.h>

#include "metrics/metrics.hpp"

namespace cxloop::app {

TimerThread::~TimerThread() { stop(); }

void TimerThread::add(Job job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (job.every.count() < 1) job.every = std::chrono::milliseconds(1);
  due_.push_back(std::chrono::steady_clock::now() + job.every);
  jobs_.push_back(std::move(job));
}

void TimerThread::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || jobs_.empty()) return;
  stopping_ = false;
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < jobs_.size(); ++i) due_[i] = now + jobs_[i].every;
  thread_ = std::thread([this] { loop(); });
}

void TimerThread::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TimerThread::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    const auto next = *std::min_element(due_.begin(), due_.end());
    if (wakeup_.wait_until(lock, next, [this] { return stopping_; })) return;
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < jobs_.size() && !stopping_; ++i) {
      if (due_[i] > now) continue;
      const Job job = jobs_[i];
      lock.unlock();
      run_job(job);
      lock.lock();
      due_[i] = std::chrono::steady_clock::now() + job.every;
    }
  }
}

void TimerThread::run_job(const Job& job) {
  const auto started = std::chrono::steady_clock::now();
  try {
    job.run();
  } catch (const std::exception& e) {
    metrics_.counter_add("cxloop_timer_job_failures_total", "Timer job runs that failed, by job",
                         {{"job", job.name}});
    Poco::Logger::get("cxloop.timers").error("timer job %s failed: %s", job.name,
                                             std::string(e.what()));
  }
  metrics_.observe("cxloop_timer_job_seconds", "Time a timer job run took, by job",
                   {{"job", job.name}},
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace cxloop::app

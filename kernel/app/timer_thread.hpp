// The kernel's timers: one thread running named jobs at their own intervals (overdue task
// escalation, polling department systems that have no callbacks, verifying delivered fixes).
// A job that throws is logged and counted, and runs again at its next interval; one slow job
// delays the others rather than piling up, which suits these low-frequency checks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cxloop::metrics {
class Registry;
}

namespace cxloop::app {

class TimerThread {
 public:
  struct Job {
    std::string name;  // for logs and the metric label
    std::chrono::milliseconds every;
    std::function<void()> run;
  };

  explicit TimerThread(metrics::Registry& metrics) : metrics_(metrics) {}
  ~TimerThread();
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  // Add jobs before start(). Each first runs one interval after start.
  void add(Job job);
  void start();
  // Lets a running job finish, then joins. Safe to call twice.
  void stop();

 private:
  void loop();
  void run_job(const Job& job);

  metrics::Registry& metrics_;
  std::vector<Job> jobs_;
  std::vector<std::chrono::steady_clock::time_point> due_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cxloop::app

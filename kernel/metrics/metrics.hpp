// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
// text exposition format for GET /metrics. Thread-safe; hot paths take one mutex per family.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cxloop::metrics {

using Labels = std::map<std::string, std::string>;

class Registry {
 public:
  Registry();
  ~Registry();  // defined where Family is complete
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // help is written once per family; the first call defines the family's kind.
  void counter_add(const std::string& name, const std::string& help, const Labels& labels,
                   double value = 1.0);
  void gauge_set(const std::string& name, const std::string& help, const Labels& labels,
                 double value);
  // Latency-style histogram in seconds with fixed buckets (1ms .. 10s).
  void observe(const std::string& name, const std::string& help, const Labels& labels,
               double seconds);
  // Gauges whose value is read at scrape time (queue depths, connection counts).
  void gauge_callback(const std::string& name, const std::string& help,
                      std::function<std::vector<std::pair<Labels, double>>()> read);

  std::string render() const;

 private:
  struct Family;
  Family& family(const std::string& name, const std::string& help, int kind);
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

}  // namespace cxloop::metrics

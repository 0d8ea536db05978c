#include "metrics/metrics.hpp"

#include <Poco/Logger.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace cxloop::metrics {

namespace {

enum Kind { kCounter = 0, kGauge = 1, kHistogram = 2, kCallbackGauge = 3 };

// Latency buckets in seconds, 1 ms to 10 s; +Inf is implicit.
constexpr std::array<double, 13> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

const char* kind_name(int kind) {
  switch (kind) {
    case kCounter:
      return "counter";
    case kHistogram:
      return "histogram";
    default:
      return "gauge";
  }
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::floor(value) == value && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  // The shortest of %.15g / %.17g that reads back as the same double.
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  if (std::strtod(buffer, nullptr) != value) std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="1",b="2"}; extra is appended last (the histogram's le label).
std::string label_text(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ",";
    first = false;
    out += name + "=\"" + escape_label_value(value) + "\"";
  }
  if (!extra.empty()) out += (first ? "" : ",") + extra;
  return out + "}";
}

}  // namespace

struct Registry::Family {
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };

  int kind = kCounter;
  std::string help;
  std::mutex mutex;
  std::map<Labels, double> values;
  std::map<Labels, Histogram> histograms;
  std::function<std::vector<std::pair<Labels, double>>()> read;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family& Registry::family(const std::string& name, const std::string& help, int kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto created = std::make_unique<Family>();
    created->kind = kind;
    created->help = help;
    it = families_.emplace(name, std::move(created)).first;
  } else if (it->second->kind != kind) {
    // Two components disagreeing about a metric's kind is a programming error.
    throw std::logic_error("metric " + name + " is already registered as a " +
                           kind_name(it->second->kind));
  }
  return *it->second;
}

void Registry::counter_add(const std::string& name, const std::string& help, const Labels& labels,
                           double value) {
  Family& f = family(name, help, kCounter);
  std::lock_guard<std::mutex> lock(f.mutex);
  f.values[labels] += value;
}

void Registry::gauge_set(const std::string& name, const std::string& help, const Labels& labels,
                         double value) {
  Family& f = family(name, help, kGauge);
  std::lock_guard<std::mutex> lock(f.mutex);
  f.values[labels] = value;
}

void Registry::observe(const std::string& name, const std::string& help, const Labels& labels,
                       double seconds) {
  Family& f = family(name, help, kHistogram);
  std::lock_guard<std::mutex> lock(f.mutex);
  auto& h = f.histograms[labels];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.counts[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Registry::gauge_callback(const std::string& name, const std::string& help,
                              std::function<std::vector<std::pair<Labels, double>>()> read) {
  Family& f = family(name, help, kCallbackGauge);
  std::lock_guard<std::mutex> lock(f.mutex);
  f.read = std::move(read);  // a later registration replaces the earlier reader
}

std::string Registry::render() const {
  std::vector<std::pair<std::string, Family*>> families;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, family] : families_) families.emplace_back(name, family.get());
  }
  std::string out;
  for (const auto& [name, f] : families) {
    std::string body;
    if (f->kind == kCallbackGauge) {
      std::function<std::vector<std::pair<Labels, double>>()> read;
      {
        std::lock_guard<std::mutex> lock(f->mutex);
        read = f->read;
      }
      try {
        // Read without holding a lock: the reader may query the database.
        for (const auto& [labels, value] : read()) {
          body += name + label_text(labels) + " " + format_value(value) + "\n";
        }
      } catch (const std::exception& e) {
        Poco::Logger::get("cxloop.metrics")
            .warning("reading gauge " + name + " failed, left out of this scrape: " + e.what());
        continue;
      }
    } else {
      std::lock_guard<std::mutex> lock(f->mutex);
      for (const auto& [labels, value] : f->values) {
        body += name + label_text(labels) + " " + format_value(value) + "\n";
      }
      for (const auto& [labels, h] : f->histograms) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < kBuckets.size(); ++i) {
          cumulative += h.counts[i];
          body += name + "_bucket" +
                  label_text(labels, "le=\"" + format_value(kBuckets[i]) + "\"") + " " +
                  std::to_string(cumulative) + "\n";
        }
        body += name + "_bucket" + label_text(labels, "le=\"+Inf\"") + " " +
                std::to_string(h.count) + "\n";
        body += name + "_sum" + label_text(labels) + " " + format_value(h.sum) + "\n";
        body += name + "_count" + label_text(labels) + " " + std::to_string(h.count) + "\n";
      }
    }
    out += "# HELP " + name + " " + escape_help(f->help) + "\n";
    out += "# TYPE " + name + " " + kind_name(f->kind) + "\n";
    out += body;
  }
  return out;
}

}  // namespace cxloop::metrics

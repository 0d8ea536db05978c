// The Prometheus registry renders text exposition format 0.0.4.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "metrics/metrics.hpp"

using cxloop::metrics::Registry;

namespace {
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("A counter renders HELP, TYPE and one sample per label set") {
  Registry registry;
  registry.counter_add("jobs_total", "Jobs done", {{"kind", "a"}});
  registry.counter_add("jobs_total", "Jobs done", {{"kind", "a"}}, 2);
  registry.counter_add("jobs_total", "Jobs done", {{"kind", "b"}});
  CHECK(registry.render() ==
        "# HELP jobs_total Jobs done\n"
        "# TYPE jobs_total counter\n"
        "jobs_total{kind=\"a\"} 3\n"
        "jobs_total{kind=\"b\"} 1\n");
}

TEST_CASE("A gauge keeps the last value set, and a family without labels has no braces") {
  Registry registry;
  registry.gauge_set("depth", "Queue depth", {}, 5);
  registry.gauge_set("depth", "Queue depth", {}, 2.5);
  CHECK(registry.render() == "# HELP depth Queue depth\n# TYPE depth gauge\ndepth 2.5\n");
}

TEST_CASE("Label values escape backslash, double quote and newline") {
  Registry registry;
  registry.gauge_set("g", "x", {{"v", "a\\b\"c\nd"}}, 1);
  CHECK(contains(registry.render(), "g{v=\"a\\\\b\\\"c\\nd\"} 1\n"));
}

TEST_CASE("Help text escapes backslash and newline") {
  Registry registry;
  registry.gauge_set("g", "line one\nback\\slash", {}, 1);
  CHECK(contains(registry.render(), "# HELP g line one\\nback\\\\slash\n"));
}

TEST_CASE("A histogram renders cumulative buckets with le, +Inf, sum and count") {
  Registry registry;
  registry.observe("latency_seconds", "Latency", {{"route", "/x"}}, 0.003);
  registry.observe("latency_seconds", "Latency", {{"route", "/x"}}, 0.2);
  registry.observe("latency_seconds", "Latency", {{"route", "/x"}}, 60);
  auto text = registry.render();
  INFO(text);
  CHECK(contains(text, "# TYPE latency_seconds histogram\n"));
  CHECK(contains(text, "latency_seconds_bucket{route=\"/x\",le=\"0.001\"} 0\n"));
  CHECK(contains(text, "latency_seconds_bucket{route=\"/x\",le=\"0.0025\"} 0\n"));
  CHECK(contains(text, "latency_seconds_bucket{route=\"/x\",le=\"0.005\"} 1\n"));
  CHECK(contains(text, "latency_seconds_bucket{route=\"/x\",le=\"0.25\"} 2\n"));
  CHECK(contains(text, "latency_seconds_bucket{route=\"/x\",le=\"10\"} 2\n"));
  CHECK(contains(text, "latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"));
  CHECK(contains(text, "latency_seconds_sum{route=\"/x\"} 60.203\n"));
  CHECK(contains(text, "latency_seconds_count{route=\"/x\"} 3\n"));
}

TEST_CASE("A callback gauge is read at scrape time") {
  Registry registry;
  double value = 1;
  registry.gauge_callback("live", "Live value", [&] {
    return std::vector<std::pair<cxloop::metrics::Labels, double>>{{{{"state", "up"}}, value}};
  });
  CHECK(contains(registry.render(), "live{state=\"up\"} 1\n"));
  value = 7;
  CHECK(contains(registry.render(), "live{state=\"up\"} 7\n"));
}

TEST_CASE("A callback gauge that throws is left out without failing the scrape") {
  Registry registry;
  registry.gauge_set("ok", "fine", {}, 1);
  registry.gauge_callback("broken", "fails",
                          []() -> std::vector<std::pair<cxloop::metrics::Labels, double>> {
                            throw std::runtime_error("database down");
                          });
  auto text = registry.render();
  CHECK(contains(text, "ok 1\n"));
  CHECK_FALSE(contains(text, "broken"));
}

TEST_CASE("Using one name as two kinds is refused") {
  Registry registry;
  registry.counter_add("x_total", "x", {});
  CHECK_THROWS_AS(registry.gauge_set("x_total", "x", {}, 1), std::logic_error);
}

TEST_CASE("Families render sorted by name") {
  Registry registry;
  registry.gauge_set("b", "b", {}, 1);
  registry.gauge_set("a", "a", {}, 1);
  auto text = registry.render();
  CHECK(text.find("# HELP a") < text.find("# HELP b"));
}

// cxloop-analytics-eval: generates a seeded synthetic case stream with ground truth, replays
// it through the similarity matcher at the given settings and prints the quality figures
// (precision, recall and F1 of problem detection and of case-to-problem linking, the delay
// to a proposal, false proposals on the background) and the time to match one case.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#include "case_stream_generator.hpp"
#include "detection_evaluation.hpp"

namespace {

using cxloop::analytics::MatcherSettings;
using cxloop::analytics::eval::GeneratorSettings;

const char* kUsage =
    "usage: cxloop-analytics-eval [--seed N] [--cases N] [--days N] [--problems N]\n"
    "         [--threshold X] [--link-threshold X] [--min-cases N] [--min-customers N]\n"
    "         [--window-days N] [--burst-ratio X] [--word-weight X] [--history-days N]\n"
    "         [--problem-share X] [--coherence X]\n"
    "         [--no-vocabulary] [--per-problem] [--explain]\n"
    "--per-problem lists each true problem; --explain prints every wrong proposal;\n"
    "--coherence: how alike a case must be to a cluster's centroid to join it (0: off);\n"
    "--no-vocabulary leaves out the multilingual fault vocabulary (words as written);\n"
    "--word-weight is the share of word cosine in text similarity (1: no trigrams);\n"
    "--history-days: background-only days replayed as start-up history (default 42, at most\n"
    "half the stream); history older than four windows is only indexed, so a large index\n"
    "(e.g. --cases 1000000 --days 730 --history-days 700) loads quickly for timing.\n"
    "Defaults are the plugin's defaults; --seed 7 --cases 20000 --days 180.\n";

double number(const std::string& flag, const char* text) {
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || value < 0) {
    throw std::invalid_argument(flag + " needs a non-negative number, got '" + text + "'");
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  GeneratorSettings generator;
  MatcherSettings matcher;
  bool per_problem = false;
  bool explain = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      if (flag == "--help" || flag == "-h") {
        std::cout << kUsage;
        return 0;
      }
      if (flag == "--per-problem") {
        per_problem = true;
        continue;
      }
      if (flag == "--explain") {
        explain = true;
        continue;
      }
      if (flag == "--no-vocabulary") {
        matcher.index.concepts = false;
        continue;
      }
      if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
      const char* value = argv[++i];
      if (flag == "--seed") {
        generator.seed = static_cast<std::uint64_t>(number(flag, value));
      } else if (flag == "--cases") {
        generator.cases = static_cast<int>(number(flag, value));
      } else if (flag == "--days") {
        generator.days = std::max(1, static_cast<int>(number(flag, value)));
      } else if (flag == "--problem-share") {
        generator.problem_share = std::min(0.9, number(flag, value));
      } else if (flag == "--history-days") {
        generator.warmup_days = static_cast<int>(number(flag, value));
      } else if (flag == "--problems") {
        generator.problems = static_cast<int>(number(flag, value));
      } else if (flag == "--threshold") {
        matcher.similarity_threshold = number(flag, value);
      } else if (flag == "--link-threshold") {
        matcher.link_threshold = number(flag, value);
      } else if (flag == "--min-cases") {
        matcher.min_cases = static_cast<int>(number(flag, value));
      } else if (flag == "--min-customers") {
        matcher.min_customers = static_cast<int>(number(flag, value));
      } else if (flag == "--window-days") {
        matcher.window_days = std::max(1, static_cast<int>(number(flag, value)));
      } else if (flag == "--word-weight") {
        matcher.index.word_weight = std::min(1.0, number(flag, value));
      } else if (flag == "--coherence") {
        matcher.cluster_coherence = number(flag, value);
      } else if (flag == "--burst-ratio") {
        matcher.burst_ratio = number(flag, value);
      } else {
        throw std::invalid_argument("unknown option " + flag);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "cxloop-analytics-eval: " << e.what() << "\n" << kUsage;
    return 2;
  }

  const auto started = std::chrono::steady_clock::now();
  const auto stream = cxloop::analytics::eval::generate_stream(generator);
  const auto generated = std::chrono::steady_clock::now();
  const auto r = cxloop::analytics::eval::evaluate(stream, matcher, explain ? stdout : nullptr);
  const auto done = std::chrono::steady_clock::now();
  const auto seconds = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };

  std::printf(
      "stream: seed %llu, %zu cases over %d days (%d in problems, %d background), %d problems\n",
      static_cast<unsigned long long>(generator.seed), stream.cases.size(), generator.days,
      r.problem_cases, r.background_cases, r.problems);
  std::printf(
      "settings: threshold %.2f, link threshold %.2f, min_cases %d, min_customers %d, "
      "window %d days, burst ratio %.1f, coherence %.2f%s\n",
      matcher.similarity_threshold, matcher.link_threshold, matcher.min_cases,
      matcher.min_customers, matcher.window_days, matcher.burst_ratio, matcher.cluster_coherence,
      matcher.index.concepts ? "" : ", no vocabulary");
  std::printf(
      "problem detection: precision %.3f  recall %.3f  F1 %.3f  (%d of %d problems found, "
      "%d proposals)\n",
      r.detection.precision, r.detection.recall, r.detection.f1, r.problems_found, r.problems,
      r.proposals);
  std::printf(
      "false proposals: %d on background (%.2f per 1,000 background cases), %d duplicates\n",
      r.false_proposals_background,
      r.background_cases ? 1000.0 * r.false_proposals_background / r.background_cases : 0.0,
      r.duplicate_proposals);
  std::printf(
      "case linking: precision %.3f  recall %.3f  F1 %.3f  (%d of %d links right, %d "
      "problem cases; %d links came from whole clusters alike an active problem)\n",
      r.linking.precision, r.linking.recall, r.linking.f1, r.correct_links, r.links,
      r.problem_cases, r.cluster_links);
  std::printf("delay to proposal: mean %.1f hours, mean %.1f cases of the problem\n",
              r.mean_delay_hours, r.mean_cases_before_proposal);
  std::printf(
      "match one case (CPU time): p50 %.3f ms  p99 %.3f ms  max %.3f ms; wall-clock p99 "
      "%.3f ms (generate %.1f s, replay %.1f s)\n",
      r.add_p50_ms, r.add_p99_ms, r.add_max_ms, r.add_wall_p99_ms, seconds(started, generated),
      seconds(generated, done));
  if (per_problem) {
    for (const auto& line : r.problem_lines) std::printf("  %s\n", line.c_str());
  }
  return 0;
}

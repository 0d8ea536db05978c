// A seeded generator of synthetic case streams with ground truth, for measuring problem
// detection: ten products with several batches each, problems (a failure of one product,
// often of some batches, or a shipping, billing or documentation fault) that start, peak and
// stop, and a background of everyday contacts three times as large. Customers write in
// English, German, French or Spanish, through the web form (subject, product and category
// fields), email, chat and SMS (short, lower-case, more typos), and describe one fault in
// several ways. The same seed gives the same stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "case_record.hpp"

namespace cxloop::analytics::eval {

struct GeneratorSettings {
  std::uint64_t seed = 7;
  int cases = 20000;
  int days = 180;
  int problems = 0;             // 0: one per 1,000 cases, between 8 and 80
  double problem_share = 0.25;  // share of cases that belong to a problem
  int warmup_days = 42;         // background only, so steady topics have a history
};

struct GeneratedCase {
  CaseRecord record;
  int truth = -1;  // index into problems, or -1 for background
};

struct GeneratedProblem {
  std::string description;  // e.g. "leak KT-200 batches B2403"
  std::int64_t start = 0;
  std::int64_t end = 0;
  int cases = 0;
};

struct GeneratedStream {
  std::vector<GeneratedCase> cases;  // in creation order, ids 1..n
  std::vector<GeneratedProblem> problems;
  std::int64_t history_end = 0;  // end of the background-only warm-up
};

GeneratedStream generate_stream(const GeneratorSettings& settings);

}  // namespace cxloop::analytics::eval

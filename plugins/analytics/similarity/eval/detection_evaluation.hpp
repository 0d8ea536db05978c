// Replays a generated stream through the matcher with an agent who knows the ground truth:
// a proposal whose cases are mostly one real problem not yet known is accepted (the problem
// is created with the proposed cases); any other proposal is dismissed; a link suggestion is
// accepted when right. Counts what a user would judge: problems found, wrong proposals,
// cases linked to the right problem, and how long a problem ran before it was proposed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "case_stream_generator.hpp"
#include "similarity_matcher.hpp"

namespace cxloop::analytics::eval {

struct Ratio {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

struct EvaluationResult {
  int problems = 0;
  int problems_found = 0;
  int proposals = 0;
  int false_proposals_background = 0;  // mostly background cases
  int duplicate_proposals = 0;         // a problem already accepted
  Ratio detection;
  int problem_cases = 0;
  int links = 0;  // cases tied to a problem by an accepted proposal or a link suggestion
  int correct_links = 0;
  int cluster_links = 0;  // of links: suggested for a whole cluster alike an active problem
  Ratio linking;
  double mean_delay_hours = 0;  // from a problem's first case to its proposal
  double mean_cases_before_proposal = 0;
  int background_cases = 0;
  // Time to index and match one case: CPU time of the replaying thread, and the wall-clock p99.
  double add_p50_ms = 0;
  double add_p99_ms = 0;
  double add_max_ms = 0;
  double add_wall_p99_ms = 0;
  std::vector<std::string> problem_lines;  // one per true problem: found, delay, recall
};

// explain: where to write each wrong or duplicate proposal with its first cases (or nullptr).
EvaluationResult evaluate(const GeneratedStream& stream, const MatcherSettings& settings,
                          std::FILE* explain = nullptr);

}  // namespace cxloop::analytics::eval

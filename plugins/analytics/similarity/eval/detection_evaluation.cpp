#include "detection_evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <unordered_map>

namespace cxloop::analytics::eval {
namespace {

Ratio ratio(double correct, double predicted, double actual) {
  Ratio r;
  r.precision = predicted > 0 ? correct / predicted : 0;
  r.recall = actual > 0 ? correct / actual : 0;
  r.f1 = r.precision + r.recall > 0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0;
  return r;
}

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[at];
}

}  // namespace

EvaluationResult evaluate(const GeneratedStream& stream, const MatcherSettings& settings,
                          std::FILE* explain) {
  SimilarityMatcher matcher(settings);
  EvaluationResult result;
  result.problems = static_cast<int>(stream.problems.size());
  std::unordered_map<std::int64_t, int> truth_of;  // case id -> problem index or -1
  for (const auto& c : stream.cases) {
    truth_of[c.record.id] = c.truth;
    if (c.truth >= 0) {
      ++result.problem_cases;
    } else {
      ++result.background_cases;
    }
  }
  std::map<int, std::int64_t> problem_of_truth;  // accepted problems
  std::map<std::int64_t, int> truth_of_problem;
  std::map<int, std::int64_t> detected_at;
  std::map<int, int> cases_seen;  // per truth, cases so far
  std::map<int, int> cases_before_detection;
  std::map<int, int> correct_per_truth;
  std::int64_t next_problem = 1000;

  // The evidence tying a proposal to the problems already known (for --explain).
  auto explain_affinities = [&](const ClusterProposal& proposal) {
    const auto affinities = matcher.affinities(proposal.case_ids);
    for (std::size_t q = 0; q < affinities.size() && q < 3; ++q) {
      const ProblemAffinity& a = affinities[q];
      std::fprintf(
          explain,
          "   vs %s: score %.3f, text %.3f, products %d/%d, batches %d/%d, "
          "categories %d/%d, last case %.1f days before\n",
          stream.problems[static_cast<std::size_t>(truth_of_problem.at(a.problem_id))]
              .description.c_str(),
          a.score, a.text, a.sku_hits, a.with_sku, a.batch_hits, a.with_batch, a.category_hits,
          a.with_category,
          static_cast<double>(
              stream.cases[static_cast<std::size_t>(proposal.case_ids.back() - 1)].record.at -
              a.last_case_at) /
              86400.0);
    }
  };
  auto handle_proposal = [&](const ClusterProposal& proposal, std::int64_t now) {
    ++result.proposals;
    std::map<int, int> votes;
    for (std::int64_t id : proposal.case_ids) ++votes[truth_of.at(id)];
    int majority = -1;
    int best = 0;
    for (const auto& [truth, count] : votes) {
      if (count > best) {
        best = count;
        majority = truth;
      }
    }
    if (majority < 0) {
      if (explain != nullptr) {
        std::fprintf(explain, "wrong proposal (background) \"%s\", %zu cases, terms:",
                     proposal.title.c_str(), proposal.case_ids.size());
        for (auto& t : proposal.shared_terms) std::fprintf(explain, " %s", t.c_str());
        std::fprintf(explain, "\n");
        for (std::size_t q = 0; q < proposal.case_ids.size() && q < 6; ++q) {
          const auto& rec = stream.cases[static_cast<std::size_t>(proposal.case_ids[q] - 1)].record;
          std::fprintf(explain, "   [%s] %s | %s\n", rec.channel.c_str(), rec.subject.c_str(),
                       rec.body.c_str());
        }
      }
      ++result.false_proposals_background;
      matcher.dismiss(proposal.signature);
      return;
    }
    if (problem_of_truth.count(majority)) {
      if (explain != nullptr) {
        std::fprintf(explain,
                     "duplicate proposal of %s: \"%s\", %zu cases, %d of them the problem's\n",
                     stream.problems[static_cast<std::size_t>(majority)].description.c_str(),
                     proposal.title.c_str(), proposal.case_ids.size(), best);
        for (std::size_t q = 0; q < proposal.case_ids.size() && q < 4; ++q) {
          const auto& rec = stream.cases[static_cast<std::size_t>(proposal.case_ids[q] - 1)].record;
          std::fprintf(explain, "   [%s %s %s] %s | %s\n", rec.channel.c_str(), rec.sku.c_str(),
                       rec.batch.c_str(), rec.subject.c_str(), rec.body.c_str());
        }
      }
      if (explain != nullptr) explain_affinities(proposal);
      ++result.duplicate_proposals;
      matcher.dismiss(proposal.signature);
      return;
    }
    if (explain != nullptr && !problem_of_truth.empty()) {
      std::fprintf(explain, "new problem %s: \"%s\", %zu cases\n",
                   stream.problems[static_cast<std::size_t>(majority)].description.c_str(),
                   proposal.title.c_str(), proposal.case_ids.size());
      explain_affinities(proposal);
    }
    const std::int64_t problem = next_problem++;
    problem_of_truth[majority] = problem;
    truth_of_problem[problem] = majority;
    detected_at[majority] = now;
    cases_before_detection[majority] = cases_seen[majority];
    matcher.set_problem(problem, proposal.skus, proposal.batches, true);
    for (std::int64_t id : proposal.case_ids) {
      matcher.link_case(problem, id);
      ++result.links;
      if (truth_of.at(id) == majority) {
        ++result.correct_links;
        ++correct_per_truth[majority];
      }
    }
  };

  // The history before the stream: indexed as the plugin rebuilds at start-up, then one
  // proposal pass over the clusters it found.
  std::size_t k = 0;
  // History older than the burst test's reach (four windows before the live part) is only
  // indexed: no cluster could count it.
  const std::int64_t clustered_from = stream.history_end - 4 * settings.window_days * 86400;
  for (; k < stream.cases.size() && stream.cases[k].record.at < stream.history_end; ++k) {
    if (stream.cases[k].truth >= 0) ++cases_seen[stream.cases[k].truth];
    if (stream.cases[k].record.at < clustered_from) {
      matcher.add_to_index(stream.cases[k].record);
    } else {
      matcher.add_history(stream.cases[k].record);
    }
  }
  // A ready cluster is proposed, or linked as a whole to the problem it is alike.
  auto handle_cluster = [&](const MatchOutcome& outcome, std::int64_t now) {
    if (outcome.proposal) handle_proposal(*outcome.proposal, now);
    if (outcome.cluster_link) {
      const int truth = truth_of_problem.at(outcome.cluster_link->problem_id);
      for (std::int64_t id : outcome.cluster_link->cluster.case_ids) {
        ++result.links;
        ++result.cluster_links;
        if (truth_of.at(id) == truth) {
          ++result.correct_links;
          ++correct_per_truth[truth];
          matcher.link_case(outcome.cluster_link->problem_id, id);
        }
      }
    }
  };
  for (const auto& outcome : matcher.ready_clusters(stream.history_end)) {
    handle_cluster(outcome, stream.history_end);
  }

  std::vector<double> latencies;  // CPU time of this thread: a shared machine's preemption
  std::vector<double> wall;       // shows in wall-clock time only
  latencies.reserve(stream.cases.size() - k);
  wall.reserve(stream.cases.size() - k);
  for (; k < stream.cases.size(); ++k) {
    const GeneratedCase& c = stream.cases[k];
    if (c.truth >= 0) ++cases_seen[c.truth];
    const double cpu_started = thread_cpu_ms();
    const auto started = std::chrono::steady_clock::now();
    MatchOutcome outcome = matcher.add_case(c.record);
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
    latencies.push_back(thread_cpu_ms() - cpu_started);
    if (outcome.problem) {
      const int truth = truth_of_problem.at(outcome.problem->problem_id);
      ++result.links;
      if (truth == c.truth) {
        ++result.correct_links;
        ++correct_per_truth[truth];
        matcher.link_case(outcome.problem->problem_id, c.record.id);
      }
    }
    handle_cluster(outcome, c.record.at);
  }

  result.problems_found = static_cast<int>(problem_of_truth.size());
  result.detection = ratio(result.problems_found, result.proposals, result.problems);
  result.linking = ratio(result.correct_links, result.links, result.problem_cases);
  double delay = 0;
  double before = 0;
  for (const auto& [truth, at] : detected_at) {
    // The first case of the problem in the stream (not the plan's start).
    std::int64_t first = at;
    for (const auto& c : stream.cases) {
      if (c.truth == truth) {
        first = c.record.at;
        break;
      }
    }
    delay += static_cast<double>(at - first) / 3600.0;
    before += cases_before_detection[truth];
  }
  if (!detected_at.empty()) {
    result.mean_delay_hours = delay / static_cast<double>(detected_at.size());
    result.mean_cases_before_proposal = before / static_cast<double>(detected_at.size());
  }
  for (std::size_t i = 0; i < stream.problems.size(); ++i) {
    const auto& p = stream.problems[i];
    const int truth = static_cast<int>(i);
    char line[256];
    if (detected_at.count(truth)) {
      std::snprintf(line, sizeof line, "%-40s %5d cases  found after %3d cases  linked %5.1f%%",
                    p.description.c_str(), p.cases, cases_before_detection[truth],
                    100.0 * correct_per_truth[truth] / std::max(1, p.cases));
    } else {
      std::snprintf(line, sizeof line, "%-40s %5d cases  NOT FOUND", p.description.c_str(),
                    p.cases);
    }
    result.problem_lines.emplace_back(line);
  }
  result.add_p50_ms = percentile(latencies, 0.5);
  result.add_p99_ms = percentile(latencies, 0.99);
  result.add_max_ms = percentile(latencies, 1.0);
  result.add_wall_p99_ms = percentile(wall, 0.99);
  return result;
}

}  // namespace cxloop::analytics::eval

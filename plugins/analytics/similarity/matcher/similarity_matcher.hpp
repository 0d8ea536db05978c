// Problem detection over a stream of cases. Each new case is indexed, compared with the
// problems already known (their linked cases form a signature), and otherwise clustered with
// its neighbours inside the time window: it joins the cluster it resembles most, or starts
// one. A cluster that gathers min_cases cases from min_customers customers within the window
// (and twice as many as in the window before it) is proposed as a problem, with evidence; proposing
// it again (as it grows) updates that evidence. A dismissed cluster keeps absorbing its look-alikes
// so it is never proposed again. Plain C++ with no kernel dependency: the plugin, the evaluation
// command and the benchmark all drive this class.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "case_index.hpp"
#include "case_record.hpp"

namespace cxloop::analytics {

struct MatcherSettings {
  double similarity_threshold = 0.35;  // combined score for two cases to be alike
  double link_threshold = 0.45;        // combined score for a case to match a known problem
  int min_cases = 5;                   // cases within the window before a cluster is proposed
  int min_customers = 3;               // distinct customers among them
  int window_days = 14;
  // A cluster must hold at least this many times the cases it had in the window before:
  // steady everyday questions ("where is my order?") form clusters too, but only a burst is
  // a problem. 0 turns the check off.
  double burst_ratio = 2.0;
  // A case joins a cluster only if its text is at least this alike the cluster's centroid,
  // too: single link alone lets a cluster chain from topic to topic ("the kettle gets hot" to
  // "hot water" to "water bill") until it swallows a real problem's reports. 0 turns it off.
  double cluster_coherence = 0.2;
  IndexSettings index;
};

struct ClusterProposal {
  std::string signature;  // "cases:<id of the cluster's first case>", stable across restarts
  std::string title;      // the most characteristic terms, and the product when one dominates
  std::string category;   // the most frequent known category, or empty
  std::vector<std::string> skus;     // suggested scope: products of at least a fifth of the cases
  std::vector<std::string> batches;  // and their batches, likewise
  std::vector<std::int64_t> case_ids;
  std::map<std::int64_t, double> scores;  // each case's similarity to the cluster's centroid
  std::vector<std::string> shared_terms;
  std::map<std::string, int> products;
  std::map<std::string, int> batch_counts;
  std::map<std::string, int> channels;
  std::map<std::string, int> categories;
  int customers = 0;
  std::int64_t first_case_at = 0;
};

struct ProblemMatch {
  std::int64_t problem_id = 0;
  double score = 0;
  std::vector<std::string> shared_terms;
};

// A ready cluster that is an open problem seen through other words (often another
// language): its cases name the problem's product and batches, or as a whole it is alike the
// problem's signature while that problem is active. Suggested as links instead of a second
// problem.
struct ClusterLink {
  std::int64_t problem_id = 0;
  ClusterProposal cluster;
};

// How much a group of cases looks like one known problem, by kind of evidence: text (the
// cosine of the group's centroid and the problem's signature) and structure (of the cases
// naming a product, batch or category, how many name one of the problem's).
struct ProblemAffinity {
  std::int64_t problem_id = 0;
  double text = 0;
  int with_sku = 0;
  int sku_hits = 0;
  int with_batch = 0;
  int batch_hits = 0;
  int with_category = 0;
  int category_hits = 0;
  std::int64_t last_case_at = 0;  // the problem's newest case
  // text with the structure weighed in as for two cases (IndexSettings): most products the
  // problem's adds the product bonus, most another product multiplies by the product
  // mismatch factor; two or more batches, none the problem's, multiply by the category
  // mismatch factor, and so do categories mostly not the problem's. Agreeing batches add
  // nothing more: a burst about something else on the same product and batch (questions
  // after a delivery) must still be alike in words.
  double score = 0;
};

struct MatchOutcome {
  bool indexed = false;  // false when the case was already in the index
  std::optional<ProblemMatch> problem;
  std::optional<ClusterProposal> proposal;
  std::optional<ClusterLink> cluster_link;
};

class SimilarityMatcher {
 public:
  explicit SimilarityMatcher(MatcherSettings settings = {});

  // Indexes a new case and matches it. A case already linked to a problem only joins that
  // problem's signature. A case matching a known problem is not clustered.
  MatchOutcome add_case(const CaseRecord& record,
                        std::optional<std::int64_t> linked_problem = std::nullopt);
  // Indexes and clusters a case from history (rebuilding at start-up) without proposing
  // anything: the history's clusters are judged once, by ready_clusters, at its end.
  void add_history(const CaseRecord& record,
                   std::optional<std::int64_t> linked_problem = std::nullopt);
  // Only indexes a case (and joins it to its problem): for history older than every window a
  // cluster could still count, e.g. to load a large index for a benchmark.
  void add_to_index(const CaseRecord& record,
                    std::optional<std::int64_t> linked_problem = std::nullopt);

  // A problem new cases are matched against; skus/batches are its affected scope (empty:
  // learn from its cases). Problems that are not matchable (closed) keep their cases but
  // attract no new ones.
  void set_problem(std::int64_t problem_id, const std::vector<std::string>& skus,
                   const std::vector<std::string>& batches, bool matchable);
  bool has_problem(std::int64_t problem_id) const { return problems_.count(problem_id) != 0; }
  // The case becomes part of the problem's signature and leaves its cluster; a cluster with a
  // linked case is absorbed by the problem and proposed no more.
  void link_case(std::int64_t problem_id, std::int64_t case_id);
  void unlink_case(std::int64_t problem_id, std::int64_t case_id);

  void dismiss(const std::string& signature);
  // Clusters at or above the thresholds (for a proposal pass after rebuilding at start-up),
  // judged as a live case's cluster is: each outcome carries a proposal, or a cluster_link
  // when the cluster as a whole is alike a problem still receiving cases.
  std::vector<MatchOutcome> ready_clusters(std::int64_t now);

  // The group's affinity to each matchable problem, best score first.
  std::vector<ProblemAffinity> affinities(const std::vector<std::int64_t>& case_ids) const;

  const CaseIndex& index() const { return index_; }
  const MatcherSettings& settings() const { return settings_; }

 private:
  struct Cluster {
    std::string signature;
    std::vector<Slot> members;
    bool dismissed = false;
    bool absorbed = false;  // one of its cases was linked to a problem
    bool proposed = false;
    std::size_t checked_size = 0;  // members at the last burst check that failed
    FeatureVector sum;  // of its members' vectors (from three members on), with its squared lengths
    double words_norm2 = 0;
    double trigrams_norm2 = 0;
  };
  struct Problem {
    std::set<std::uint32_t> skus;
    std::set<std::uint32_t> batches;  // interned "sku\x1fbatch" values, or batch-only keys
    std::vector<Slot> members;
    std::map<std::uint32_t, int> member_skus;  // products and batches its cases name, counted
    std::map<std::uint32_t, int> member_batches;
    std::map<std::uint32_t, int> member_categories;
    std::int64_t last_case_at = 0;
    bool matchable = true;
    bool dirty = true;
    FeatureVector sum;       // of its cases' vectors, kept as cases link and unlink
    FeatureVector centroid;  // sum, normalised
  };

  MatchOutcome add(const CaseRecord& record, std::optional<std::int64_t> linked_problem, bool live);
  std::optional<ProblemMatch> match_problem(Slot slot, const FeatureVector& vector,
                                            const std::vector<std::pair<Slot, double>>& near);
  double problem_score(Problem& problem, Slot slot, const FeatureVector& vector);
  bool ready(const Cluster& cluster, std::int64_t now) const;
  double coherence(const Cluster& cluster, const FeatureVector& vector) const;
  static void add_to_sum(Cluster& cluster, const FeatureVector& vector);
  bool bursting(Cluster& cluster, std::int64_t now) const;
  std::optional<std::int64_t> problem_of_cluster(const Cluster& cluster, std::int64_t now) const;
  std::vector<ProblemAffinity> affinities_of(const std::vector<Slot>& members) const;
  ClusterProposal summarise(const Cluster& cluster) const;
  std::vector<std::string> shared_terms(const std::vector<Slot>& members, std::size_t limit) const;
  FeatureVector centroid_of(const std::vector<Slot>& members) const;

  MatcherSettings settings_;
  CaseIndex index_;
  std::vector<Cluster> clusters_;
  std::unordered_map<std::string, std::size_t> cluster_by_signature_;
  std::set<std::string> dismissed_;       // signatures dismissed before their cluster was rebuilt
  std::vector<std::int32_t> cluster_of_;  // per slot; -1 = none
  std::vector<std::int64_t> problem_of_;  // per slot; 0 = none
  std::map<std::int64_t, Problem> problems_;  // by problem id
};

}  // namespace cxloop::analytics

#include "similarity_matcher.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace cxloop::analytics {
namespace {

constexpr std::int64_t kDay = 86400;
// A problem's signature follows its most recent cases; older ones add little and cost time.
constexpr std::size_t kCentroidMembers = 100;
// Clusters from this size on keep a centroid sum for the coherence test.
constexpr std::size_t kSumFrom = 3;
constexpr std::size_t kEvidenceCases = 500;
constexpr std::size_t kBurstProbes = 3;
constexpr std::int64_t kBaselineWindows = 3;
// How much better than the next problem a cluster must match one to be linked to it.
constexpr double kClearMargin = 0.1;

std::string batch_name(const std::string& interned) {
  const auto separator = interned.find('\x1f');
  return separator == std::string::npos ? interned : interned.substr(separator + 1);
}

double rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

template <typename Map>
std::vector<std::string> frequent_keys(const Map& counts, std::size_t total, double share) {
  std::vector<std::pair<std::string, int>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> out;
  for (const auto& [key, count] : sorted) {
    if (static_cast<double>(count) >= share * static_cast<double>(total)) out.push_back(key);
  }
  return out;
}

}  // namespace

SimilarityMatcher::SimilarityMatcher(MatcherSettings settings)
    : settings_(settings), index_(settings.index) {}

MatchOutcome SimilarityMatcher::add_case(const CaseRecord& record,
                                         std::optional<std::int64_t> linked_problem) {
  return add(record, linked_problem, true);
}

void SimilarityMatcher::add_history(const CaseRecord& record,
                                    std::optional<std::int64_t> linked_problem) {
  add(record, linked_problem, false);
}

void SimilarityMatcher::add_to_index(const CaseRecord& record,
                                     std::optional<std::int64_t> linked_problem) {
  if (index_.slot_of(record.id)) return;
  index_.add(record);
  cluster_of_.resize(index_.size(), -1);
  problem_of_.resize(index_.size(), 0);
  if (linked_problem && *linked_problem != 0) link_case(*linked_problem, record.id);
}

MatchOutcome SimilarityMatcher::add(const CaseRecord& record,
                                    std::optional<std::int64_t> linked_problem, bool live) {
  MatchOutcome out;
  if (index_.slot_of(record.id)) return out;
  const Slot slot = index_.add(record);
  cluster_of_.resize(index_.size(), -1);
  problem_of_.resize(index_.size(), 0);
  out.indexed = true;
  if (linked_problem && *linked_problem != 0) {
    link_case(*linked_problem, record.id);
    return out;
  }
  const std::int64_t since = record.at - settings_.window_days * kDay;
  const auto near =
      index_.neighbours(slot, since, record.at + 1,
                        std::min(settings_.similarity_threshold, settings_.link_threshold));
  const FeatureVector vector = index_.vector_of(slot);
  if (live) {
    out.problem = match_problem(slot, vector, near);
    if (out.problem) return out;
  }

  // The cluster this case resembles most: single link to its members, so a cluster follows
  // the varied ways customers describe one fault without averaging them away; but not a
  // cluster whose centroid it does not resemble at all (chaining).
  std::optional<std::size_t> best;
  std::set<std::size_t> tried;
  for (const auto& [other, score] : near) {  // best first
    if (score < settings_.similarity_threshold) break;
    const std::int32_t c = cluster_of_[other];
    if (c < 0) continue;
    const auto candidate = static_cast<std::size_t>(c);
    if (clusters_[candidate].absorbed || !tried.insert(candidate).second) continue;
    if (coherence(clusters_[candidate], vector) >= settings_.cluster_coherence) {
      best = candidate;
      break;
    }
  }
  if (!best) {
    Cluster cluster;
    cluster.signature = "cases:" + std::to_string(record.id);
    cluster.dismissed = dismissed_.count(cluster.signature) != 0;
    best = clusters_.size();
    cluster_by_signature_.emplace(cluster.signature, *best);
    clusters_.push_back(std::move(cluster));
  }
  Cluster& cluster = clusters_[*best];
  cluster.members.push_back(slot);
  // Only clusters of kSumFrom or more keep a centroid sum: most clusters are single cases, and
  // a sum for each would cost more memory than the index itself.
  if (cluster.members.size() == kSumFrom) {
    for (Slot member : cluster.members) add_to_sum(cluster, index_.vector_of(member));
  } else if (cluster.members.size() > kSumFrom) {
    add_to_sum(cluster, vector);
  }
  cluster_of_[slot] = static_cast<std::int32_t>(*best);
  if (live && !cluster.dismissed &&
      (cluster.proposed || (ready(cluster, record.at) && bursting(cluster, record.at)))) {
    if (!cluster.proposed) {
      if (auto problem = problem_of_cluster(cluster, record.at)) {
        out.cluster_link = ClusterLink{*problem, summarise(cluster)};
        cluster.absorbed = true;  // its cases are the problem's now, or the agent says no
        return out;
      }
    }
    cluster.proposed = true;
    out.proposal = summarise(cluster);
  }
  return out;
}

std::optional<ProblemMatch> SimilarityMatcher::match_problem(
    Slot slot, const FeatureVector& vector, const std::vector<std::pair<Slot, double>>& near) {
  std::optional<ProblemMatch> best;
  auto consider = [&](std::int64_t id, double score) {
    if (score >= settings_.link_threshold && (!best || score > best->score)) {
      best = ProblemMatch{id, score, {}};
    }
  };
  for (auto& [id, problem] : problems_) {
    if (problem.matchable) consider(id, problem_score(problem, slot, vector));
  }
  // A close look-alike among a problem's own cases also counts: a problem's signature can
  // hold several ways of describing it that its centroid blurs.
  for (const auto& [other, score] : near) {
    const std::int64_t id = problem_of_[other];
    if (id == 0) continue;
    auto it = problems_.find(id);
    if (it != problems_.end() && it->second.matchable) consider(id, score);
  }
  if (best) {
    Problem& problem = problems_.at(best->problem_id);
    std::vector<std::pair<double, std::string>> terms;
    for (std::uint32_t stem : index_.stems_of(slot)) {
      auto it = std::lower_bound(problem.centroid.words.begin(), problem.centroid.words.end(),
                                 std::make_pair(stem, 0.0f),
                                 [](const auto& a, const auto& b) { return a.first < b.first; });
      if (it != problem.centroid.words.end() && it->first == stem) {
        terms.emplace_back(it->second, index_.display(stem));
      }
    }
    std::sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (std::size_t i = 0; i < terms.size() && i < 8; ++i) {
      best->shared_terms.push_back(terms[i].second);
    }
    best->score = rounded(best->score);
  }
  return best;
}

double SimilarityMatcher::problem_score(Problem& problem, Slot slot, const FeatureVector& vector) {
  if (problem.members.empty()) return 0;
  if (problem.dirty) {
    problem.centroid = problem.sum;
    normalise(problem.centroid.words);
    normalise(problem.centroid.trigrams);
    problem.dirty = false;
  }
  double score = index_.text_cosine(vector, problem.centroid);
  const StoredCase& c = index_.stored(slot);
  const IndexSettings& weights = index_.settings();
  if (c.sku != 0) {
    // The scope's products, or without a scope those its cases name.
    const bool known = problem.skus.empty() ? !problem.member_skus.empty() : true;
    const bool same = problem.skus.empty() ? problem.member_skus.count(c.sku) != 0
                                           : problem.skus.count(c.sku) != 0;
    if (known) score = same ? score + weights.sku_bonus : score * weights.sku_mismatch;
  }
  if (c.batch != 0) {
    const bool same_batch = problem.batches.count(c.batch) != 0 ||
                            (problem.batches.empty() && problem.member_batches.count(c.batch) != 0);
    if (same_batch) score += weights.batch_bonus;
  }
  return std::min(score, 1.0);
}

std::vector<ProblemAffinity> SimilarityMatcher::affinities(
    const std::vector<std::int64_t>& case_ids) const {
  std::vector<Slot> members;
  for (std::int64_t id : case_ids) {
    if (auto slot = index_.slot_of(id)) members.push_back(*slot);
  }
  return affinities_of(members);
}

std::vector<ProblemAffinity> SimilarityMatcher::affinities_of(
    const std::vector<Slot>& members) const {
  std::vector<ProblemAffinity> out;
  if (members.empty()) return out;
  const FeatureVector centroid = centroid_of(members);
  for (const auto& [id, problem] : problems_) {
    if (!problem.matchable || problem.members.empty()) continue;
    ProblemAffinity a;
    a.problem_id = id;
    FeatureVector signature = problem.sum;
    normalise(signature.words);
    normalise(signature.trigrams);
    a.text = index_.text_cosine(centroid, signature);
    a.last_case_at = problem.last_case_at;
    for (Slot member : members) {
      const StoredCase& c = index_.stored(member);
      if (c.sku != 0) {
        ++a.with_sku;
        const bool in_scope = problem.skus.empty() ? problem.member_skus.count(c.sku) != 0
                                                   : problem.skus.count(c.sku) != 0;
        if (in_scope) ++a.sku_hits;
      }
      if (c.batch != 0) {
        ++a.with_batch;
        if (problem.batches.count(c.batch) != 0 || problem.member_batches.count(c.batch) != 0) {
          ++a.batch_hits;
        }
      }
      if (c.category != 0) {
        ++a.with_category;
        if (problem.member_categories.count(c.category) != 0) ++a.category_hits;
      }
    }
    const IndexSettings& weights = index_.settings();
    a.score = a.text;
    if (a.with_sku > 0) {
      a.score = a.sku_hits * 2 > a.with_sku ? a.score + weights.sku_bonus
                                            : a.score * weights.sku_mismatch;
    }
    // Batches weigh less than products: a batch code is often misread or left at a default.
    if (a.with_batch >= 2 && a.batch_hits == 0) a.score *= weights.category_mismatch;
    if (a.with_category > 0 && a.category_hits * 2 < a.with_category) {
      a.score *= weights.category_mismatch;
    }
    out.push_back(a);
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.score != y.score ? x.score > y.score : x.problem_id < y.problem_id;
  });
  return out;
}

std::optional<std::int64_t> SimilarityMatcher::problem_of_cluster(const Cluster& cluster,
                                                                  std::int64_t now) const {
  // The cluster as one text against each problem still receiving cases, with its products,
  // batches and categories weighed in: reports of one fault in another language share few
  // words case by case, but their centroid shares the vocabulary's concepts, codes and model
  // names with the problem's, and their products and batches agree. Structure alone does not
  // decide (a burst of questions about the same product is another matter). Only a problem
  // active in the window counts (a fault that stopped weeks ago and comes back is a new
  // problem), and only a clear winner: two problems nearly as alike leave it to an agent.
  const std::int64_t since = now - settings_.window_days * kDay;
  std::vector<ProblemAffinity> candidates;
  for (const ProblemAffinity& a : affinities_of(cluster.members)) {
    if (a.last_case_at >= since && a.score >= settings_.similarity_threshold) {
      candidates.push_back(a);
    }
  }
  if (candidates.empty()) return std::nullopt;
  if (candidates.size() > 1 && candidates[0].score - candidates[1].score < kClearMargin) {
    return std::nullopt;
  }
  return candidates[0].problem_id;
}

void SimilarityMatcher::set_problem(std::int64_t problem_id, const std::vector<std::string>& skus,
                                    const std::vector<std::string>& batches, bool matchable) {
  Problem& problem = problems_[problem_id];
  problem.skus.clear();
  problem.batches.clear();
  for (const auto& sku : skus) problem.skus.insert(index_.intern(sku));
  // Scope batches name a batch without its product: every indexed product's batch of that
  // name counts, and batches seen later are resolved when the product is in the scope.
  for (const auto& batch : batches) {
    for (const auto& sku : skus) problem.batches.insert(index_.intern(sku + "\x1f" + batch));
  }
  problem.matchable = matchable;
}

void SimilarityMatcher::link_case(std::int64_t problem_id, std::int64_t case_id) {
  const auto slot = index_.slot_of(case_id);
  if (!slot) return;
  if (problem_of_[*slot] == problem_id) return;
  if (problem_of_[*slot] != 0) unlink_case(problem_of_[*slot], case_id);
  Problem& problem = problems_[problem_id];
  problem.members.push_back(*slot);
  const StoredCase& stored = index_.stored(*slot);
  if (stored.sku != 0) ++problem.member_skus[stored.sku];
  if (stored.batch != 0) ++problem.member_batches[stored.batch];
  if (stored.category != 0) ++problem.member_categories[stored.category];
  problem.last_case_at = std::max(problem.last_case_at, stored.at);
  const FeatureVector v = index_.vector_of(*slot);
  add_scaled(problem.sum.words, v.words, 1.0f);
  add_scaled(problem.sum.trigrams, v.trigrams, 1.0f);
  problem.dirty = true;
  problem_of_[*slot] = problem_id;
  const std::int32_t c = cluster_of_[*slot];
  if (c >= 0) {
    Cluster& cluster = clusters_[static_cast<std::size_t>(c)];
    cluster.absorbed = true;  // takes no new members: its centroid sum is not needed any more
    cluster.members.erase(std::remove(cluster.members.begin(), cluster.members.end(), *slot),
                          cluster.members.end());
    cluster.sum = FeatureVector{};
    cluster.words_norm2 = 0;
    cluster.trigrams_norm2 = 0;
    cluster_of_[*slot] = -1;
  }
}

void SimilarityMatcher::unlink_case(std::int64_t problem_id, std::int64_t case_id) {
  const auto slot = index_.slot_of(case_id);
  auto it = problems_.find(problem_id);
  if (!slot || it == problems_.end() || problem_of_[*slot] != problem_id) return;
  auto& members = it->second.members;
  members.erase(std::remove(members.begin(), members.end(), *slot), members.end());
  auto forget = [](std::map<std::uint32_t, int>& counts, std::uint32_t key) {
    if (key != 0 && --counts[key] <= 0) counts.erase(key);
  };
  forget(it->second.member_skus, index_.stored(*slot).sku);
  forget(it->second.member_batches, index_.stored(*slot).batch);
  forget(it->second.member_categories, index_.stored(*slot).category);
  const FeatureVector v = index_.vector_of(*slot);
  add_scaled(it->second.sum.words, v.words, -1.0f);
  add_scaled(it->second.sum.trigrams, v.trigrams, -1.0f);
  it->second.dirty = true;
  problem_of_[*slot] = 0;
}

void SimilarityMatcher::dismiss(const std::string& signature) {
  dismissed_.insert(signature);
  auto it = cluster_by_signature_.find(signature);
  if (it != cluster_by_signature_.end()) clusters_[it->second].dismissed = true;
}

double SimilarityMatcher::coherence(const Cluster& cluster, const FeatureVector& vector) const {
  // A cluster of one or two is its members: single link has judged that already.
  if (cluster.members.size() < kSumFrom || settings_.cluster_coherence <= 0) return 1.0;
  const double w = index_.settings().word_weight;
  double score = 0;
  if (cluster.words_norm2 > 0) {
    score += w * dot(vector.words, cluster.sum.words) / std::sqrt(cluster.words_norm2);
  }
  if (cluster.trigrams_norm2 > 0) {
    score +=
        (1 - w) * dot(vector.trigrams, cluster.sum.trigrams) / std::sqrt(cluster.trigrams_norm2);
  }
  return score;
}

void SimilarityMatcher::add_to_sum(Cluster& cluster, const FeatureVector& vector) {
  // |s + v|² = |s|² + 2·s·v + |v|², kept so the centroid need not be normalised per query.
  cluster.words_norm2 += 2 * dot(cluster.sum.words, vector.words) + dot(vector.words, vector.words);
  cluster.trigrams_norm2 +=
      2 * dot(cluster.sum.trigrams, vector.trigrams) + dot(vector.trigrams, vector.trigrams);
  add_scaled(cluster.sum.words, vector.words, 1.0f);
  add_scaled(cluster.sum.trigrams, vector.trigrams, 1.0f);
}

bool SimilarityMatcher::ready(const Cluster& cluster, std::int64_t now) const {
  const std::int64_t window = settings_.window_days * kDay;
  int cases = 0;
  std::set<std::uint32_t> customers;
  int anonymous = 0;
  // Members arrive in time order: read back only as far as the window.
  for (auto it = cluster.members.rbegin(); it != cluster.members.rend(); ++it) {
    const StoredCase& c = index_.stored(*it);
    if (c.at < now - window) break;
    ++cases;
    if (c.customer == 0) {
      ++anonymous;
    } else {
      customers.insert(c.customer);
    }
  }
  return cases >= settings_.min_cases &&
         static_cast<int>(customers.size()) + anonymous >= settings_.min_customers;
}

bool SimilarityMatcher::bursting(Cluster& cluster, std::int64_t now) const {
  if (settings_.burst_ratio <= 0) return true;
  // Rechecked only as the cluster grows: the check reads two windows of postings.
  if (cluster.checked_size != 0 &&
      cluster.members.size() <
          cluster.checked_size + std::max<std::size_t>(2, cluster.checked_size / 2)) {
    return false;
  }
  // How many look-alikes its latest cases have in this window, against the mean of the
  // windows before. A new fault has few before; a steady topic has as many, whichever
  // cluster they fell into. Counts are per probe; the square-root margin (a Poisson swing)
  // keeps chance variation of small counts (6 this fortnight, 2 before) from passing as a burst.
  const std::int64_t window = settings_.window_days * kDay;
  double now_count = 0;
  double before_count = 0;
  const std::size_t probes = std::min<std::size_t>(kBurstProbes, cluster.members.size());
  for (std::size_t i = 0; i < probes; ++i) {
    const Slot probe = cluster.members[cluster.members.size() - 1 - i];
    now_count += static_cast<double>(
        index_.neighbours(probe, now - window, now + 1, settings_.similarity_threshold).size());
    before_count +=
        static_cast<double>(index_
                                .neighbours(probe, now - (1 + kBaselineWindows) * window,
                                            now - window, settings_.similarity_threshold)
                                .size());
  }
  const double current = now_count / static_cast<double>(probes);
  const double baseline = before_count / static_cast<double>(probes * kBaselineWindows);
  if (current >= settings_.burst_ratio * baseline + 3 * std::sqrt(baseline) + 1) return true;
  cluster.checked_size = cluster.members.size();
  return false;
}

std::vector<MatchOutcome> SimilarityMatcher::ready_clusters(std::int64_t now) {
  std::vector<MatchOutcome> out;
  for (Cluster& cluster : clusters_) {
    if (cluster.dismissed || cluster.absorbed || cluster.proposed || !ready(cluster, now) ||
        !bursting(cluster, now)) {
      continue;
    }
    MatchOutcome outcome;
    if (auto problem = problem_of_cluster(cluster, now)) {
      outcome.cluster_link = ClusterLink{*problem, summarise(cluster)};
      cluster.absorbed = true;
    } else {
      cluster.proposed = true;
      outcome.proposal = summarise(cluster);
    }
    out.push_back(std::move(outcome));
  }
  return out;
}

FeatureVector SimilarityMatcher::centroid_of(const std::vector<Slot>& members) const {
  FeatureVector sum;
  const std::size_t first =
      members.size() > kCentroidMembers ? members.size() - kCentroidMembers : 0;
  for (std::size_t i = first; i < members.size(); ++i) {
    const FeatureVector v = index_.vector_of(members[i]);
    add_scaled(sum.words, v.words, 1.0f);
    add_scaled(sum.trigrams, v.trigrams, 1.0f);
  }
  normalise(sum.words);
  normalise(sum.trigrams);
  return sum;
}

std::vector<std::string> SimilarityMatcher::shared_terms(const std::vector<Slot>& members,
                                                         std::size_t limit) const {
  std::unordered_map<std::uint32_t, int> counts;
  for (Slot member : members) {
    for (std::uint32_t stem : index_.stems_of(member)) ++counts[stem];
  }
  const double needed = std::max(2.0, 0.4 * static_cast<double>(members.size()));
  std::vector<std::pair<double, std::uint32_t>> ranked;
  for (const auto& [stem, count] : counts) {
    if (count >= needed) {
      ranked.emplace_back(count / static_cast<double>(members.size()) * index_.idf(stem), stem);
    }
  }
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first
                              : index_.display(a.second) < index_.display(b.second);
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ranked.size() && out.size() < limit; ++i) {
    out.push_back(index_.display(ranked[i].second));
  }
  return out;
}

ClusterProposal SimilarityMatcher::summarise(const Cluster& cluster) const {
  ClusterProposal p;
  p.signature = cluster.signature;
  // The evidence names the most recent cases; a cluster left unanswered for months would
  // otherwise grow without bound.
  const std::size_t first =
      cluster.members.size() > kEvidenceCases ? cluster.members.size() - kEvidenceCases : 0;
  const std::vector<Slot> members(cluster.members.begin() + static_cast<std::ptrdiff_t>(first),
                                  cluster.members.end());
  const FeatureVector centroid = centroid_of(members);
  std::set<std::uint32_t> customers;
  int anonymous = 0;
  std::map<std::string, int> batch_names;
  p.first_case_at = index_.stored(members.front()).at;
  for (Slot member : members) {
    const StoredCase& c = index_.stored(member);
    p.case_ids.push_back(c.id);
    p.scores[c.id] = rounded(index_.text_cosine(index_.vector_of(member), centroid));
    if (c.sku != 0) ++p.products[index_.value(c.sku)];
    if (c.batch != 0) ++batch_names[batch_name(index_.value(c.batch))];
    if (c.channel != 0) ++p.channels[index_.value(c.channel)];
    if (c.category != 0) ++p.categories[index_.value(c.category)];
    if (c.customer == 0) {
      ++anonymous;
    } else {
      customers.insert(c.customer);
    }
    p.first_case_at = std::min(p.first_case_at, c.at);
  }
  p.batch_counts = batch_names;
  p.customers = static_cast<int>(customers.size()) + anonymous;
  const std::size_t n = members.size();
  p.skus = frequent_keys(p.products, n, 0.2);
  p.batches = frequent_keys(batch_names, n, 0.2);
  const auto categories = frequent_keys(p.categories, 1, 0.0);
  if (!categories.empty()) p.category = categories.front();
  p.shared_terms = shared_terms(members, 8);

  for (std::size_t i = 0; i < p.shared_terms.size() && i < 4; ++i) {
    p.title += (i ? " " : "") + p.shared_terms[i];
  }
  if (p.title.empty()) p.title = "Similar contacts";
  p.title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(p.title[0])));
  const auto top_products = frequent_keys(p.products, n, 0.5);
  if (!top_products.empty()) p.title += " (" + top_products.front() + ")";
  return p;
}

}  // namespace cxloop::analytics

#include "feature_vector.hpp"

#include <algorithm>
#include <cmath>

namespace cxloop::analytics {
namespace {

double dot_lookup(const SparseVector& short_one, const SparseVector& long_one) {
  double sum = 0;
  auto from = long_one.begin();
  for (const auto& [id, weight] : short_one) {
    from = std::lower_bound(from, long_one.end(), id,
                            [](const auto& entry, std::uint32_t key) { return entry.first < key; });
    if (from == long_one.end()) break;
    if (from->first == id) sum += static_cast<double>(weight) * from->second;
  }
  return sum;
}

}  // namespace

double dot(const SparseVector& a, const SparseVector& b) {
  // A short vector against a long one (a case against a cluster's or problem's sum): look
  // each entry up instead of walking the long one.
  if (a.size() * 8 < b.size()) return dot_lookup(a, b);
  if (b.size() * 8 < a.size()) return dot_lookup(b, a);
  double sum = 0;
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (i->first < j->first) {
      ++i;
    } else if (j->first < i->first) {
      ++j;
    } else {
      sum += static_cast<double>(i->second) * j->second;
      ++i;
      ++j;
    }
  }
  return sum;
}

void normalise(SparseVector& v) {
  double norm = 0;
  for (const auto& entry : v) norm += static_cast<double>(entry.second) * entry.second;
  if (norm <= 0) return;
  const double scale = 1.0 / std::sqrt(norm);
  for (auto& entry : v) entry.second = static_cast<float>(entry.second * scale);
}

double text_cosine(const FeatureVector& a, const FeatureVector& b, double word_weight) {
  return word_weight * dot(a.words, b.words) + (1 - word_weight) * dot(a.trigrams, b.trigrams);
}

void add_scaled(SparseVector& sum, const SparseVector& v, float scale) {
  SparseVector merged;
  merged.reserve(sum.size() + v.size());
  auto i = sum.begin();
  auto j = v.begin();
  while (i != sum.end() || j != v.end()) {
    if (j == v.end() || (i != sum.end() && i->first < j->first)) {
      merged.push_back(*i++);
    } else if (i == sum.end() || j->first < i->first) {
      merged.emplace_back(j->first, j->second * scale);
      ++j;
    } else {
      merged.emplace_back(i->first, i->second + j->second * scale);
      ++i;
      ++j;
    }
  }
  sum = std::move(merged);
}

}  // namespace cxloop::analytics

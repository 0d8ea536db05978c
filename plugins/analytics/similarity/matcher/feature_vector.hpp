// A case's text as two L2-normalised TF-IDF vectors: stemmed words, and character trigrams
// of the folded words. Text similarity is a weighted sum of the two cosines: words carry the
// meaning, trigrams forgive typos and inflections the light stemmer misses.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace cxloop::analytics {

using SparseVector = std::vector<std::pair<std::uint32_t, float>>;  // sorted by feature id

struct FeatureVector {
  SparseVector words;
  SparseVector trigrams;
};

double dot(const SparseVector& a, const SparseVector& b);
// Scales v to unit length (an empty or zero vector stays as it is).
void normalise(SparseVector& v);
// word_weight * cos(words) + (1 - word_weight) * cos(trigrams); both vectors normalised.
double text_cosine(const FeatureVector& a, const FeatureVector& b, double word_weight);
// Adds scale * v to the accumulator `sum` (both sorted).
void add_scaled(SparseVector& sum, const SparseVector& v, float scale);

}  // namespace cxloop::analytics

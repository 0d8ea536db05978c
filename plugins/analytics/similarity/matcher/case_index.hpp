// The incremental index of cases: interned attributes, term statistics (document frequency
// for IDF) and an inverted index from stemmed words to the cases that contain them, in
// arrival order. A new case finds its neighbours without reading history: it scans the
// postings of its rarest words backwards, only as far as the time window and a bounded
// number of entries, and scores the best of those candidates exactly (text cosine combined
// with product, batch and category agreement).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "case_record.hpp"
#include "feature_vector.hpp"

namespace cxloop::analytics {

struct IndexSettings {
  int max_query_terms = 12;       // rarest words of the new case whose postings are scanned
  int posting_scan_limit = 3000;  // newest postings read per word
  int max_candidates = 60;        // candidates scored exactly
  double word_weight = 0.5;       // share of the word cosine in text similarity
  double sku_bonus = 0.10;        // same product
  double sku_mismatch = 0.3;      // factor for two different known products
  double batch_bonus = 0.08;      // same batch of the same product
  double category_mismatch = 0.85;
  bool concepts = true;  // map fault-vocabulary words of any language to shared concept terms
};

using Slot = std::uint32_t;  // a case's position in the index

struct StoredCase {
  std::int64_t id = 0;
  std::int64_t at = 0;
  std::uint32_t channel = 0;  // interned values; 0 = unknown
  std::uint32_t customer = 0;
  std::uint32_t sku = 0;
  std::uint32_t batch = 0;
  std::uint32_t category = 0;
  std::uint32_t forms_begin = 0;  // into the index's form list: subject terms, then body terms
  std::uint16_t subject_forms = 0;
  std::uint16_t body_forms = 0;
};

class CaseIndex {
 public:
  explicit CaseIndex(IndexSettings settings = {});

  // Adds a case and returns its slot; a case id seen before returns its existing slot. Cases
  // should arrive in creation order (the scan stops at the first posting older than the window).
  Slot add(const CaseRecord& record);
  std::optional<Slot> slot_of(std::int64_t case_id) const;
  const StoredCase& stored(Slot slot) const { return cases_[slot]; }
  std::size_t size() const { return cases_.size(); }

  // Other cases created in [since, until) scoring at least min_score with `slot`, best first.
  std::vector<std::pair<Slot, double>> neighbours(Slot slot, std::int64_t since, std::int64_t until,
                                                  double min_score) const;
  // The combined score of two indexed cases.
  double score(Slot a, Slot b) const;
  // Text cosine, then product/batch/category agreement.
  double combine(double text, const StoredCase& a, const StoredCase& b) const;
  // The case's TF-IDF vectors under the current statistics.
  FeatureVector vector_of(Slot slot) const;
  double text_cosine(const FeatureVector& a, const FeatureVector& b) const;

  // Distinct stems of a case, and how to show a stem (its first seen surface form).
  std::vector<std::uint32_t> stems_of(Slot slot) const;
  const std::string& display(std::uint32_t stem) const { return stem_display_[stem]; }
  double idf(std::uint32_t stem) const;
  const std::string& value(std::uint32_t interned) const { return values_[interned]; }
  std::uint32_t intern(const std::string& value);  // "" -> 0
  std::optional<std::uint32_t> find_value(const std::string& value) const;
  const IndexSettings& settings() const { return settings_; }

 private:
  struct Form {
    std::uint32_t stem;
    std::vector<std::uint32_t> trigrams;
  };
  std::uint32_t form_id(const std::string& stem, const std::string& folded);

  IndexSettings settings_;
  std::vector<StoredCase> cases_;
  std::unordered_map<std::int64_t, Slot> by_id_;
  std::vector<std::uint32_t> case_forms_;
  std::vector<Form> forms_;
  std::unordered_map<std::string, std::uint32_t> form_ids_;
  std::unordered_map<std::string, std::uint32_t> stem_ids_;
  std::vector<std::string> stem_display_;
  std::vector<std::uint32_t> stem_df_;
  std::vector<std::vector<Slot>> postings_;
  std::unordered_map<std::uint32_t, std::uint32_t> trigram_df_;
  std::vector<std::string> values_{""};
  std::unordered_map<std::string, std::uint32_t> value_ids_;
  // Scratch space for neighbours(): one accumulator per slot, reset after each query.
  mutable std::vector<float> accumulator_;
  mutable std::vector<Slot> touched_;
};

}  // namespace cxloop::analytics

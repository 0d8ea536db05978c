#include "case_index.hpp"

#include <algorithm>
#include <cmath>

#include "text_normalizer.hpp"

namespace cxloop::analytics {
namespace {

// Character trigrams of a word padded with ^ and $, each packed into 24 bits.
std::vector<std::uint32_t> trigrams_of(const std::string& folded) {
  const std::string padded = "^" + folded + "$";
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i + 3 <= padded.size(); ++i) {
    out.push_back((static_cast<std::uint32_t>(static_cast<unsigned char>(padded[i])) << 16) |
                  (static_cast<std::uint32_t>(static_cast<unsigned char>(padded[i + 1])) << 8) |
                  static_cast<unsigned char>(padded[i + 2]));
  }
  return out;
}

double idf_of(std::size_t documents, std::uint32_t df) {
  return std::log((static_cast<double>(documents) + 1) / (static_cast<double>(df) + 1)) + 1;
}

// Counts equal ids of a sorted list into (id, (1 + ln tf)) pairs.
SparseVector term_frequencies(std::vector<std::uint32_t>& ids) {
  std::sort(ids.begin(), ids.end());
  SparseVector out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    out.emplace_back(ids[i], static_cast<float>(1 + std::log(static_cast<double>(j - i))));
    i = j;
  }
  return out;
}

}  // namespace

CaseIndex::CaseIndex(IndexSettings settings) : settings_(settings) {}

std::uint32_t CaseIndex::intern(const std::string& value) {
  if (value.empty()) return 0;
  auto [it, inserted] = value_ids_.emplace(value, static_cast<std::uint32_t>(values_.size()));
  if (inserted) values_.push_back(value);
  return it->second;
}

std::optional<std::uint32_t> CaseIndex::find_value(const std::string& value) const {
  if (value.empty()) return 0u;
  auto it = value_ids_.find(value);
  if (it == value_ids_.end()) return std::nullopt;
  return it->second;
}

std::uint32_t CaseIndex::form_id(const std::string& stem, const std::string& folded) {
  auto found = form_ids_.find(folded);
  if (found != form_ids_.end()) return found->second;
  auto [stem_it, new_stem] = stem_ids_.emplace(stem, static_cast<std::uint32_t>(stem_df_.size()));
  if (new_stem) {
    stem_df_.push_back(0);
    stem_display_.push_back(folded);
    postings_.emplace_back();
  }
  const auto id = static_cast<std::uint32_t>(forms_.size());
  forms_.push_back(Form{stem_it->second, trigrams_of(folded)});
  form_ids_.emplace(folded, id);
  return id;
}

Slot CaseIndex::add(const CaseRecord& record) {
  if (auto existing = slot_of(record.id)) return *existing;
  const auto slot = static_cast<Slot>(cases_.size());
  StoredCase stored;
  stored.id = record.id;
  stored.at = record.at;
  stored.channel = intern(record.channel);
  stored.customer = intern(record.customer);
  stored.sku = intern(record.sku);
  stored.batch = intern(record.sku + "\x1f" + record.batch);  // a batch belongs to its product
  if (record.batch.empty()) stored.batch = 0;
  stored.category = intern(record.category);
  stored.forms_begin = static_cast<std::uint32_t>(case_forms_.size());
  // Long texts are cut: the first words of a contact say what it is about, and the bound
  // keeps one pasted log from dominating memory.
  constexpr std::size_t kMaxForms = 400;
  const auto subject = normalize_terms(record.subject, settings_.concepts);
  const auto body = normalize_terms(record.body, settings_.concepts);
  for (const auto& term : subject) {
    if (case_forms_.size() - stored.forms_begin >= kMaxForms / 4) break;
    case_forms_.push_back(form_id(term.stem, term.folded));
  }
  stored.subject_forms = static_cast<std::uint16_t>(case_forms_.size() - stored.forms_begin);
  for (const auto& term : body) {
    if (case_forms_.size() - stored.forms_begin >= kMaxForms) break;
    case_forms_.push_back(form_id(term.stem, term.folded));
  }
  stored.body_forms =
      static_cast<std::uint16_t>(case_forms_.size() - stored.forms_begin - stored.subject_forms);
  cases_.push_back(stored);
  by_id_.emplace(record.id, slot);

  for (std::uint32_t stem : stems_of(slot)) {
    ++stem_df_[stem];
    postings_[stem].push_back(slot);
  }
  std::vector<std::uint32_t> trigrams;
  for (std::uint32_t k = 0; k < stored.subject_forms + stored.body_forms; ++k) {
    const Form& form = forms_[case_forms_[stored.forms_begin + k]];
    trigrams.insert(trigrams.end(), form.trigrams.begin(), form.trigrams.end());
  }
  std::sort(trigrams.begin(), trigrams.end());
  trigrams.erase(std::unique(trigrams.begin(), trigrams.end()), trigrams.end());
  for (std::uint32_t trigram : trigrams) ++trigram_df_[trigram];
  return slot;
}

std::optional<Slot> CaseIndex::slot_of(std::int64_t case_id) const {
  auto it = by_id_.find(case_id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::uint32_t> CaseIndex::stems_of(Slot slot) const {
  const StoredCase& c = cases_[slot];
  std::vector<std::uint32_t> stems;
  for (std::uint32_t k = 0; k < static_cast<std::uint32_t>(c.subject_forms + c.body_forms); ++k) {
    stems.push_back(forms_[case_forms_[c.forms_begin + k]].stem);
  }
  std::sort(stems.begin(), stems.end());
  stems.erase(std::unique(stems.begin(), stems.end()), stems.end());
  return stems;
}

double CaseIndex::idf(std::uint32_t stem) const { return idf_of(cases_.size(), stem_df_[stem]); }

FeatureVector CaseIndex::vector_of(Slot slot) const {
  const StoredCase& c = cases_[slot];
  std::vector<std::uint32_t> stems;
  std::vector<std::uint32_t> trigrams;
  const std::uint32_t total = c.subject_forms + c.body_forms;
  for (std::uint32_t k = 0; k < total; ++k) {
    const Form& form = forms_[case_forms_[c.forms_begin + k]];
    // Subject words count twice: a subject line names the problem more often than the body.
    const int times = k < c.subject_forms ? 2 : 1;
    for (int t = 0; t < times; ++t) {
      stems.push_back(form.stem);
      trigrams.insert(trigrams.end(), form.trigrams.begin(), form.trigrams.end());
    }
  }
  FeatureVector v;
  v.words = term_frequencies(stems);
  for (auto& [stem, weight] : v.words) weight *= static_cast<float>(idf(stem));
  v.trigrams = term_frequencies(trigrams);
  for (auto& [trigram, weight] : v.trigrams) {
    auto it = trigram_df_.find(trigram);
    weight *= static_cast<float>(idf_of(cases_.size(), it == trigram_df_.end() ? 0 : it->second));
  }
  normalise(v.words);
  normalise(v.trigrams);
  return v;
}

double CaseIndex::text_cosine(const FeatureVector& a, const FeatureVector& b) const {
  return analytics::text_cosine(a, b, settings_.word_weight);
}

double CaseIndex::combine(double text, const StoredCase& a, const StoredCase& b) const {
  double score = text;
  if (a.sku != 0 && b.sku != 0) {
    score = a.sku == b.sku ? score + settings_.sku_bonus : score * settings_.sku_mismatch;
  }
  if (a.batch != 0 && a.batch == b.batch) score += settings_.batch_bonus;
  if (a.category != 0 && b.category != 0 && a.category != b.category) {
    score *= settings_.category_mismatch;
  }
  return std::min(score, 1.0);
}

double CaseIndex::score(Slot a, Slot b) const {
  return combine(text_cosine(vector_of(a), vector_of(b)), cases_[a], cases_[b]);
}

std::vector<std::pair<Slot, double>> CaseIndex::neighbours(Slot slot, std::int64_t since,
                                                           std::int64_t until,
                                                           double min_score) const {
  std::vector<std::uint32_t> query = stems_of(slot);
  // A word only this case has (an order number, a name) finds nothing.
  query.erase(std::remove_if(query.begin(), query.end(),
                             [&](std::uint32_t stem) { return stem_df_[stem] <= 1; }),
              query.end());
  // Rarest words first: they name the problem; frequent ones would only read long postings.
  std::sort(query.begin(), query.end(),
            [&](std::uint32_t a, std::uint32_t b) { return stem_df_[a] < stem_df_[b]; });
  if (query.size() > static_cast<std::size_t>(settings_.max_query_terms)) {
    query.resize(static_cast<std::size_t>(settings_.max_query_terms));
  }
  if (accumulator_.size() < cases_.size()) accumulator_.resize(cases_.size() * 2, 0.0f);
  for (std::uint32_t stem : query) {
    const auto weight = static_cast<float>(idf(stem) * idf(stem));
    const std::vector<Slot>& posting = postings_[stem];
    // Postings are in time order: start at the last case before `until`.
    const auto stop = std::partition_point(posting.begin(), posting.end(),
                                           [&](Slot s) { return cases_[s].at < until; });
    int scanned = 0;
    for (auto it = std::make_reverse_iterator(stop); it != posting.rend(); ++it) {
      if (scanned++ >= settings_.posting_scan_limit) break;
      const Slot other = *it;
      if (other == slot) continue;
      if (cases_[other].at < since) break;
      if (accumulator_[other] == 0.0f) touched_.push_back(other);
      accumulator_[other] += weight;
    }
  }
  std::vector<std::pair<Slot, float>> candidates;
  candidates.reserve(touched_.size());
  for (Slot other : touched_) {
    candidates.emplace_back(other, accumulator_[other]);
    accumulator_[other] = 0.0f;
  }
  touched_.clear();
  const auto keep = std::min(candidates.size(), static_cast<std::size_t>(settings_.max_candidates));
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep),
                    candidates.end(),
                    [](const auto& a, const auto& b) { return a.second > b.second; });
  candidates.resize(keep);

  const FeatureVector mine = vector_of(slot);
  std::vector<std::pair<Slot, double>> out;
  for (const auto& [other, rough] : candidates) {
    (void)rough;
    const double s = combine(text_cosine(mine, vector_of(other)), cases_[slot], cases_[other]);
    if (s >= min_score) out.emplace_back(other, s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return out;
}

}  // namespace cxloop::analytics

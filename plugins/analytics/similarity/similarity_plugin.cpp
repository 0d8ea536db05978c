// The similarity analytics plugin: keeps an index of recent cases, and on every new case
// asks the matcher whether it belongs to a known problem (then suggests linking it and
// reports the match for fix verification) or completes a cluster worth proposing as a new
// problem. At start-up it rebuilds the index from the repository through host operations;
// afterwards it follows case and problem events. Suggestions and their decisions live in the
// kernel; a dismissed signature is remembered there and here.
#include <cxloop/sdk.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "case_records.hpp"
#include "similarity_matcher.hpp"

namespace cxloop::analytics {
namespace {

using cxloop::sdk::json;

constexpr std::int64_t kDay = 86400;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string utc_text(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&t, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

std::vector<std::string> strings_of(const json& scope, const char* member) {
  std::vector<std::string> out;
  if (!scope.is_object() || !scope.contains(member) || !scope.at(member).is_array()) return out;
  for (const auto& value : scope.at(member)) {
    if (value.is_string()) out.push_back(value.get<std::string>());
  }
  return out;
}

std::int64_t subject_id(const json& event, const std::string& prefix) {
  const std::string subject = event.value("subject", std::string());
  if (subject.rfind(prefix, 0) != 0) return 0;
  return std::stoll(subject.substr(prefix.size()));
}

MatcherSettings settings_from(const json& config) {
  MatcherSettings s;
  s.similarity_threshold = config.value("similarity_threshold", s.similarity_threshold);
  s.link_threshold = config.value("link_threshold", s.link_threshold);
  s.min_cases = config.value("min_cases", s.min_cases);
  s.min_customers = config.value("min_customers", s.min_customers);
  s.window_days = config.value("window_days", s.window_days);
  s.burst_ratio = config.value("burst_ratio", s.burst_ratio);
  return s;
}

}  // namespace

class SimilarityPlugin : public cxloop::sdk::AnalyticsPlugin {
 public:
  explicit SimilarityPlugin(cxloop::sdk::Host host)
      : AnalyticsPlugin(host), matcher_(settings_from(host.config())) {
    const json config = host.config();
    // History reaches back over the burst baseline (three windows) and the current one.
    history_days_ = config.value("history_days", 4 * matcher_.settings().window_days);
    max_history_cases_ = config.value("max_history_cases", 200000);
    rebuild();
    host.subscribe("case.created");
    host.subscribe("problem.*");
  }

  void on_event(const json& event) override {
    const std::string type = event.value("type", std::string());
    const json& data = event.contains("data") ? event.at("data") : json::object();
    std::lock_guard<std::mutex> lock(mutex_);
    if (type == "case.created") {
      on_case(data.at("after"));
    } else if (type == "problem.created" || type == "problem.updated" ||
               type == "problem.state_changed") {
      // Updates carry only what changed: the problem is read whole.
      const std::int64_t id = subject_id(event, "problem:");
      if (id != 0) {
        guarded("problem.get", [&] { on_problem(host().call("problem.get", {{"id", id}})); });
      }
    } else if (type == "problem.case_linked") {
      link(subject_id(event, "problem:"), data.value("case_id", std::int64_t{0}));
    } else if (type == "problem.case_unlinked") {
      matcher_.unlink_case(subject_id(event, "problem:"), data.value("case_id", std::int64_t{0}));
    }
  }

  // On demand: the cases most like one case (by id, or a case document not yet stored),
  // within the window, and the problem it matches. {"case_id"} | {"case": {...}}.
  json match(const json& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<std::int64_t> id;
    if (request.contains("case_id") && request.at("case_id").is_number_integer()) {
      id = request.at("case_id").get<std::int64_t>();
    } else if (request.contains("case") && request.at("case").is_object()) {
      id = request.at("case").value("id", std::int64_t{0});
    }
    if (!id) {
      throw sdk::Error(CXLOOP_ERR_INVALID, "send {\"case_id\": <id>} or {\"case\": {...}}");
    }
    if (!matcher_.index().slot_of(*id)) {
      const json document =
          request.contains("case") ? request.at("case") : host().call("case.get", {{"id", *id}});
      try {
        matcher_.add_history(case_record_from(document), linked_problem_of(document));
      } catch (const std::invalid_argument& e) {
        throw sdk::Error(CXLOOP_ERR_INVALID, e.what());
      }
    }
    const CaseIndex& index = matcher_.index();
    const Slot slot = *index.slot_of(*id);
    const std::int64_t at = index.stored(slot).at;
    json similar = json::array();
    for (const auto& [other, score] :
         index.neighbours(slot, at - matcher_.settings().window_days * kDay, at + 1 + kDay,
                          matcher_.settings().similarity_threshold)) {
      similar.push_back({{"case_id", index.stored(other).id}, {"score", score}});
    }
    return {{"case_id", *id}, {"similar", similar}};
  }

 private:
  // The index over recent history and the problems already known, then one proposal pass.
  void rebuild() {
    const auto started = std::chrono::steady_clock::now();
    const json signatures = host().call("problem.signatures", json::object());
    std::map<std::int64_t, std::int64_t> linked;  // case id -> problem id
    for (const auto& problem : signatures.at("problems")) {
      on_problem(problem);
      for (const auto& id : problem.value("linked_case_ids", json::array())) {
        linked[id.get<std::int64_t>()] = problem.at("id").get<std::int64_t>();
      }
    }
    std::vector<json> documents;
    std::set<std::int64_t> seen;
    json query = {{"created_from", utc_text(now_seconds() - history_days_ * kDay)}, {"limit", 200}};
    for (;;) {
      const json page = host().call("case.list", query);
      for (const auto& c : page.at("items")) {
        if (seen.insert(c.at("id").get<std::int64_t>()).second) documents.push_back(c);
      }
      if (!page.contains("next_cursor") || !page.at("next_cursor").is_string() ||
          static_cast<int>(documents.size()) >= max_history_cases_) {
        break;
      }
      query["cursor"] = page.at("next_cursor");
    }
    // A problem's signature also needs its older cases: the most recent hundred of each.
    for (const auto& problem : signatures.at("problems")) {
      const json& ids = problem.at("linked_case_ids");
      const std::size_t first = ids.size() > 100 ? ids.size() - 100 : 0;
      for (std::size_t i = first; i < ids.size(); ++i) {
        const auto id = ids[i].get<std::int64_t>();
        if (seen.insert(id).second) documents.push_back(host().call("case.get", {{"id", id}}));
      }
    }
    std::vector<std::pair<CaseRecord, std::optional<std::int64_t>>> records;
    for (const auto& document : documents) {
      try {
        records.emplace_back(case_record_from(document), linked_problem_of(document));
      } catch (const std::invalid_argument& e) {
        host().warning(std::string("skipped a case while rebuilding the index: ") + e.what());
      }
    }
    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
      return a.first.at != b.first.at ? a.first.at < b.first.at : a.first.id < b.first.id;
    });
    for (const auto& [record, problem] : records) matcher_.add_history(record, problem);
    for (const auto& cluster : matcher_.ready_clusters(now_seconds())) propose(cluster);
    host().gauge_set("analytics_index_cases", static_cast<double>(matcher_.index().size()));
    host().info(
        "similarity index rebuilt from " + std::to_string(records.size()) + " cases and " +
        std::to_string(signatures.at("problems").size()) + " problems in " +
        std::to_string(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()) +
        " s");
  }

  void on_case(const json& document) {
    CaseRecord record;
    try {
      record = case_record_from(document);
    } catch (const std::invalid_argument& e) {
      host().warning(std::string("case event without a usable case: ") + e.what());
      return;
    }
    const auto started = std::chrono::steady_clock::now();
    MatchOutcome outcome = matcher_.add_case(record, linked_problem_of(document));
    host().observe(
        "analytics_match_seconds",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!outcome.indexed) return;
    host().counter_add("analytics_cases_indexed_total");
    host().gauge_set("analytics_index_cases", static_cast<double>(matcher_.index().size()));
    if (outcome.problem) {
      guarded("analytics.record_match", [&] {
        host().call("analytics.record_match", {{"problem_id", outcome.problem->problem_id},
                                               {"case_id", record.id},
                                               {"score", outcome.problem->score}});
      });
      guarded("suggestion.propose", [&] {
        host().call("suggestion.propose", case_link_proposal(*outcome.problem, record.id));
        host().counter_add("analytics_suggestions_total", 1, {{"kind", "link"}});
      });
    }
    if (outcome.cluster_link) {
      guarded("suggestion.propose", [&] {
        host().call("suggestion.propose", cluster_link_proposal(*outcome.cluster_link));
        host().counter_add("analytics_suggestions_total", 1, {{"kind", "link"}});
      });
    }
    if (outcome.proposal) propose(*outcome.proposal);
  }

  void propose(const ClusterProposal& cluster) {
    guarded("suggestion.propose", [&] {
      const json answer = host().call("suggestion.propose", problem_proposal(cluster));
      // Dismissed or accepted: an agent has decided on this cluster; it is proposed no more.
      if (answer.value("state", std::string("open")) != "open") {
        matcher_.dismiss(cluster.signature);
      } else if (answer.value("created", false)) {
        host().counter_add("analytics_suggestions_total", 1, {{"kind", "problem"}});
      }
    });
  }

  void on_problem(const json& problem) {
    if (!problem.contains("id") || !problem.at("id").is_number_integer()) return;
    const json scope = problem.value("scope", json::object());
    matcher_.set_problem(problem.at("id").get<std::int64_t>(), strings_of(scope, "skus"),
                         strings_of(scope, "batches"),
                         problem.value("state", std::string()) != "closed");
  }

  void link(std::int64_t problem_id, std::int64_t case_id) {
    if (problem_id == 0 || case_id == 0) return;
    if (!matcher_.index().slot_of(case_id)) {
      // A case from before the indexed history joins the problem's signature now.
      guarded("case.get", [&] {
        matcher_.add_history(case_record_from(host().call("case.get", {{"id", case_id}})),
                             problem_id);
      });
    }
    matcher_.link_case(problem_id, case_id);
  }

  // A failed host call loses one suggestion, not the event stream: the next case of the
  // cluster proposes it again. It is logged and counted.
  template <typename Call>
  void guarded(const char* operation, Call&& call) {
    try {
      call();
    } catch (const std::exception& e) {
      host().warning(std::string(operation) + " failed: " + e.what());
      host().counter_add("analytics_host_call_failures_total", 1, {{"operation", operation}});
    }
  }

  std::mutex mutex_;
  SimilarityMatcher matcher_;
  int history_days_ = 56;
  int max_history_cases_ = 200000;
};

}  // namespace cxloop::analytics

CXLOOP_PLUGIN(cxloop::analytics::SimilarityPlugin, "similarity", "analytics", "1.0.0")

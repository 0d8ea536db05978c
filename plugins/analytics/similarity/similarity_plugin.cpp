// The similarity analytics plugin: keeps an index of recent cases, and on every new case
// asks the matcher whether it belongs to a known problem (then suggests linking it and
// reports the match for fix verification) or completes a cluster worth proposing as a new
// problem. At start-up it rebuilds the index from the repository on a background thread, so
// the server serves at once; events that arrive meanwhile wait in a queue and are handled, in
// order, when the index is ready. Suggestions and their decisions live in the kernel; a
// dismissed signature is remembered there and here.
#include <cxloop/sdk.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "case_records.hpp"
#include "similarity_matcher.hpp"

namespace cxloop::analytics {
namespace {

using cxloop::sdk::json;

constexpr std::int64_t kDay = 86400;
// Cases per case.history page while rebuilding: large pages keep the per-call cost small,
// and each page becomes index entries at once, so only one page of documents is held.
constexpr int kHistoryPage = 2000;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string utc_text(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&t, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

// Now as the kernel writes created_at (microseconds, fixed width: text order is time order).
std::string utc_micro_text() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::string seconds = utc_text(micros / 1000000);
  char fraction[24];
  std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros % 1000000));
  return seconds.substr(0, seconds.size() - 1) + fraction + "Z";
}

// A case.history position: (created_at, id).
using Position = std::pair<std::string, std::int64_t>;

Position position_of(const json& document) {
  return {document.value("created_at", std::string()), document.value("id", std::int64_t{0})};
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
  s.cluster_coherence = config.value("cluster_coherence", s.cluster_coherence);
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
    host.subscribe("case.created");
    host.subscribe("problem.*");
    // Every case created from now on also arrives as an event (it commits after the
    // subscription): the rebuild leaves those to the event queue, so they are matched live.
    events_from_ = utc_micro_text();
    host.gauge_set("analytics_index_ready", 0);
    host.info("similarity index: rebuilding from the cases of the last " +
              std::to_string(history_days_) + " days (at most " +
              std::to_string(max_history_cases_) +
              ") in the background; suggestions start when it is ready");
    rebuilding_ = std::thread([this] { rebuild(); });
  }

  // Stopping during a rebuild: the thread stops at its next page and is joined.
  ~SimilarityPlugin() override {
    stopping_ = true;
    if (rebuilding_.joinable()) rebuilding_.join();
  }

  void on_event(const json& event) override {
    {
      std::lock_guard<std::mutex> lock(pending_mutex_);
      if (!ready_) {
        // Held until the index is ready; the rebuild skips cases held here.
        if (event.value("type", std::string()) == "case.created") {
          const json& data = event.contains("data") ? event.at("data") : json::object();
          if (data.contains("after") && data.at("after").contains("id")) {
            held_cases_.insert(data.at("after").at("id").get<std::int64_t>());
          }
        }
        pending_.push_back(event);
        return;
      }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    handle(event);
  }

  // On demand: the cases most like one case (by id, or a case document not yet stored),
  // within the window, and the problem it matches. {"case_id"} | {"case": {...}}.
  json match(const json& request) override {
    {
      std::lock_guard<std::mutex> lock(pending_mutex_);
      if (!ready_) {
        throw sdk::Error(CXLOOP_ERR_UNAVAILABLE,
                         "the similarity index is still being rebuilt from the repository (" +
                             std::to_string(rebuilt_cases_.load()) +
                             " cases so far); ask again once the gauge "
                             "cxloop_plugin_analytics_index_ready is 1");
      }
    }
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
  void handle(const json& event) {
    const std::string type = event.value("type", std::string());
    const json& data = event.contains("data") ? event.at("data") : json::object();
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

  // Runs on the rebuild thread: the index over recent history and the problems already
  // known, one proposal pass, then the events held meanwhile. A failed rebuild keeps what
  // it indexed and goes on with live events.
  void rebuild() {
    const auto started = std::chrono::steady_clock::now();
    std::size_t problems = 0;
    try {
      problems = load_history();
      if (stopping_) return;
      host().info("similarity index rebuilt from " + std::to_string(rebuilt_cases_.load()) +
                  " cases and " + std::to_string(problems) + " problems in " +
                  std::to_string(seconds_since(started)) + " s (reading " +
                  std::to_string(read_seconds_) + " s, indexing " + std::to_string(index_seconds_) +
                  " s, of which clustering " + std::to_string(clustered_cases_) + " cases " +
                  std::to_string(cluster_seconds_) + " s)");
    } catch (const std::exception& e) {
      if (stopping_) return;
      host().error("similarity index rebuild failed after " +
                   std::to_string(rebuilt_cases_.load()) + " cases: " + e.what() +
                   "; matching goes on over the cases indexed so far");
    }
    // The events held meanwhile, in arrival order; ready once none is left.
    for (;;) {
      std::deque<json> batch;
      {
        std::lock_guard<std::mutex> lock(pending_mutex_);
        if (pending_.empty() || stopping_) {
          ready_ = true;
          held_cases_.clear();
          break;
        }
        batch.swap(pending_);
      }
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& event : batch) {
        try {
          handle(event);
        } catch (const std::exception& e) {
          host().warning(std::string("held event not handled: ") + e.what());
        }
      }
    }
    host().gauge_set("analytics_index_ready", 1);
    host().info("similarity index ready");
  }

  // Returns the number of problems read.
  std::size_t load_history() {
    const json signatures = host().call("problem.signatures", json::object());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& problem : signatures.at("problems")) on_problem(problem);
    }
    const std::int64_t now = now_seconds();
    // History older than the burst test's reach (four windows) is only indexed: no cluster
    // could count it (as the evaluation replays it, eval/detection_evaluation.cpp).
    const std::int64_t clustered_from = now - 4 * matcher_.settings().window_days * kDay;
    json query = {{"created_from", utc_text(now - history_days_ * kDay)},
                  {"newest", max_history_cases_},
                  {"limit", kHistoryPage}};
    json page = read_history(query);
    // A problem's signature also needs its older cases (the most recent hundred of each):
    // they go first, so the index stays in creation order.
    const auto& items = page.at("items");
    add_older_linked(signatures.at("problems"),
                     items.empty() ? std::nullopt : std::optional<Position>(position_of(items[0])),
                     clustered_from);
    for (;;) {
      if (stopping_) return 0;
      // The next page is read while this one is indexed.
      std::future<json> next;
      if (page.at("next").is_object()) {
        query.erase("newest");
        query["after"] = page.at("next");
        next = std::async(std::launch::async, [this, query] { return read_history(query); });
      }
      {
        const auto indexing = std::chrono::steady_clock::now();
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& document : page.at("items")) {
          if (stopping_) return 0;  // a page of clustering takes seconds
          if (document.value("created_at", std::string()) >= events_from_ ||
              held(document.value("id", std::int64_t{0}))) {
            continue;  // its event is queued (or on its way) and matches it live
          }
          add_history(document, clustered_from);
        }
        index_seconds_ += seconds_since(indexing);
      }
      host().gauge_set("analytics_index_cases", static_cast<double>(rebuilt_cases_.load()));
      if (!next.valid()) break;
      page = next.get();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& outcome : matcher_.ready_clusters(now_seconds())) propose_cluster(outcome);
    host().gauge_set("analytics_index_cases", static_cast<double>(matcher_.index().size()));
    return signatures.at("problems").size();
  }

  // The linked cases of each problem created before the history read starts (all of them
  // when there is no history), in creation order.
  void add_older_linked(const json& problems, const std::optional<Position>& history_start,
                        std::int64_t clustered_from) {
    std::vector<json> older;
    for (const auto& problem : problems) {
      const json& ids = problem.at("linked_case_ids");
      const std::size_t first = ids.size() > 100 ? ids.size() - 100 : 0;
      for (std::size_t i = first; i < ids.size(); ++i) {
        if (stopping_) return;
        json document = host().call("case.get", {{"id", ids[i]}});
        if (!history_start || position_of(document) < *history_start) {
          older.push_back(std::move(document));
        }
      }
    }
    std::sort(older.begin(), older.end(),
              [](const json& a, const json& b) { return position_of(a) < position_of(b); });
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& document : older) add_history(document, clustered_from);
  }

  void add_history(const json& document, std::int64_t clustered_from) {
    try {
      const CaseRecord record = case_record_from(document);
      if (record.at < clustered_from) {
        matcher_.add_to_index(record, linked_problem_of(document));
      } else {
        const auto clustering = std::chrono::steady_clock::now();
        matcher_.add_history(record, linked_problem_of(document));
        cluster_seconds_ += seconds_since(clustering);
        ++clustered_cases_;
      }
      ++rebuilt_cases_;
    } catch (const std::invalid_argument& e) {
      host().warning(std::string("skipped a case while rebuilding the index: ") + e.what());
    }
  }

  json read_history(const json& query) {
    const auto reading = std::chrono::steady_clock::now();
    json page = host().call("case.history", query);
    read_seconds_ += seconds_since(reading);
    return page;
  }

  bool held(std::int64_t case_id) {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    return held_cases_.count(case_id) != 0;
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
    propose_cluster(outcome);
  }

  // A ready cluster: a link suggestion when it is alike an active problem, else a proposal.
  void propose_cluster(const MatchOutcome& outcome) {
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

  std::mutex mutex_;  // the matcher
  SimilarityMatcher matcher_;
  int history_days_ = 56;
  int max_history_cases_ = 200000;
  std::string events_from_;  // cases created at or after this arrive as events

  std::mutex pending_mutex_;  // ready_, pending_ and held_cases_
  bool ready_ = false;
  std::deque<json> pending_;  // events that arrived before the index was ready
  std::unordered_set<std::int64_t> held_cases_;
  std::atomic<std::size_t> rebuilt_cases_{0};
  double read_seconds_ = 0;  // of the rebuild, for its log line (reading overlaps indexing)
  double index_seconds_ = 0;
  double cluster_seconds_ = 0;  // the part of indexing spent on the last four windows' cases
  std::size_t clustered_cases_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread rebuilding_;  // last: it starts once everything above exists
};

}  // namespace cxloop::analytics

CXLOOP_PLUGIN(cxloop::analytics::SimilarityPlugin, "similarity", "analytics", "1.0.0")

#include "notice_board.hpp"

#include <algorithm>

#include "json_text.hpp"

namespace cxloop::plugins::notices {
namespace {

using sdk::json;

const char* const kIndexKey = "active";

std::string notice_key(const std::string& campaign_id) { return "notice/" + campaign_id; }

std::string problem_id_of(const json& request) {
  return id_member(request.value("problem", json::object()), "id");
}

}  // namespace

std::string NoticeBoard::external_ref(const std::string& campaign_id) {
  return "notice-" + campaign_id;
}

json NoticeBoard::publish(const json& request) {
  const std::string campaign_id = id_member(request, "campaign_id");
  if (campaign_id.empty()) {
    throw sdk::Error(CXLOOP_ERR_INVALID,
                     "publish needs a \"campaign_id\" (a string or an integer): a notice is kept "
                     "per campaign");
  }
  const json problem = request.value("problem", json::object());
  if (problem_id_of(request).empty()) {
    throw sdk::Error(CXLOOP_ERR_INVALID, "publish of campaign " + campaign_id +
                                             " needs \"problem\": {\"id\", \"number\", "
                                             "\"title\", \"scope\"}");
  }
  const std::string subject = text_member(request, "subject");
  const std::string text = text_member(request, "text");
  if (subject.empty() && text.empty()) {
    throw sdk::Error(CXLOOP_ERR_INVALID, "publish of campaign " + campaign_id +
                                             " has neither a \"subject\" nor a \"text\" to show");
  }
  const std::string kind = text_member(request, "kind", "advisory");
  if (kind != "advisory" && kind != "resolution") {
    throw sdk::Error(CXLOOP_ERR_INVALID, "publish of campaign " + campaign_id + " has kind \"" +
                                             kind + "\"; use advisory or resolution");
  }

  std::lock_guard<std::mutex> lock(mutex_);
  const json result = {{"external_ref", external_ref(campaign_id)}};
  std::vector<std::string> ids = index();
  const bool listed = std::find(ids.begin(), ids.end(), campaign_id) != ids.end();
  if (host_.kv_get(notice_key(campaign_id))) {  // published before: a repeat
    if (!listed) {
      ids.push_back(campaign_id);
      store_index(ids);
    }
    return result;
  }
  json notice = {{"id", external_ref(campaign_id)},
                 {"campaign_id", campaign_id},
                 {"kind", kind},
                 {"problem",
                  {{"id", problem.at("id")},
                   {"number", text_member(problem, "number")},
                   {"title", text_member(problem, "title")},
                   {"scope", problem.value("scope", json::object())}}},
                 {"subject", subject},
                 {"text", text},
                 {"published_at", text_member(request, "published_at")}};
  if (!text_member(request, "html").empty()) notice["html"] = text_member(request, "html");
  if (!text_member(request, "language").empty()) {
    notice["language"] = text_member(request, "language");
  }
  // The notice first, then the index: a crash in between leaves a notice that the outbox's
  // repeated publish finds and puts on the index (above).
  host_.kv_put(notice_key(campaign_id), notice.dump());
  if (!listed) {
    ids.push_back(campaign_id);
    store_index(ids);
  }
  host_.counter_add("notices_published_total");
  return result;
}

json NoticeBoard::withdraw(const json& request) {
  const std::string campaign_id = id_member(request, "campaign_id");
  const std::string problem_id = problem_id_of(request);
  if (campaign_id.empty() && problem_id.empty()) {
    throw sdk::Error(CXLOOP_ERR_INVALID,
                     "withdraw needs a \"campaign_id\" or \"problem\": {\"id\"} naming what to "
                     "take off the board");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> ids = index();
  std::vector<std::string> kept;
  for (const auto& id : ids) {
    bool drop = id == campaign_id;
    if (!drop && campaign_id.empty()) {
      auto stored = host_.kv_get(notice_key(id));
      drop = !stored || problem_id_of(json::parse(*stored)) == problem_id;
    }
    if (drop) {
      host_.kv_remove(notice_key(id));
      host_.counter_add("notices_withdrawn_total");
    } else {
      kept.push_back(id);
    }
  }
  if (!campaign_id.empty()) host_.kv_remove(notice_key(campaign_id));
  if (kept.size() != ids.size()) store_index(kept);
  return json::object();
}

std::vector<Notice> NoticeBoard::active() const {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ids = index();
  }
  std::vector<Notice> notices;
  for (const auto& id : ids) {
    // A notice withdrawn between reading the index and here is simply not shown.
    if (auto stored = host_.kv_get(notice_key(id))) notices.push_back(json::parse(*stored));
  }
  // RFC 3339 UTC times sort as text; the later publication first, then the later campaign.
  std::stable_sort(notices.begin(), notices.end(), [](const Notice& a, const Notice& b) {
    return a.value("published_at", "") > b.value("published_at", "");
  });
  return notices;
}

bool NoticeBoard::lists_sku(const Notice& notice, const std::string& sku) {
  const json scope = notice.value("problem", json::object()).value("scope", json::object());
  if (!scope.is_object()) return false;
  const json skus = scope.value("skus", json::array());
  if (!skus.is_array()) return false;
  return std::any_of(skus.begin(), skus.end(),
                     [&](const json& listed) { return listed.is_string() && listed == sku; });
}

std::vector<std::string> NoticeBoard::index() const {
  auto stored = host_.kv_get(kIndexKey);
  if (!stored) return {};
  return json::parse(*stored).get<std::vector<std::string>>();
}

void NoticeBoard::store_index(const std::vector<std::string>& ids) const {
  host_.kv_put(kIndexKey, json(ids).dump());
}

}  // namespace cxloop::plugins::notices

// The IVR notifier: a broadcast notifier whose published campaigns become announcements for
// the company's phone line. The phone system asks GET /public/ivr/announcement?caller=+E164
// when a call comes in and plays the text it gets back; the kernel decides whom an
// announcement concerns (host operation customer.affected_problems: a case linked to the
// problem, or an asset in its affected scope). See README.md.
#include <cxloop/sdk.hpp>

#include <cctype>
#include <cstdint>
#include <set>
#include <vector>

#include "json_text.hpp"
#include "notice_board.hpp"
#include "text.hpp"

namespace cxloop::plugins::ivr {
namespace {

using notices::NoticeBoard;
using sdk::HttpRequest;
using sdk::json;
using sdk::Response;

// A query string's '+' reads as a space (form encoding), and phone systems rarely encode the
// '+' of an E.164 number; a caller that starts with a space followed by digits meant '+'.
std::string caller_number(const HttpRequest& request) {
  auto it = request.query.find("caller");
  std::string caller = it == request.query.end() ? std::string() : it->second;
  if (!caller.empty() && caller[0] == ' ' && caller.size() > 1 &&
      std::isdigit(static_cast<unsigned char>(caller[1]))) {
    caller[0] = '+';
  }
  return channels::trimmed(caller);
}

// The problem id of a notice as the kernel's integer id; 0 when it is not one.
std::int64_t problem_id(const json& notice) {
  const std::string id = id_member(notice.value("problem", json::object()), "id");
  try {
    std::size_t used = 0;
    const long long value = std::stoll(id, &used);
    return used == id.size() && value > 0 ? value : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

class IvrNotifier : public sdk::NotifierPlugin {
 public:
  explicit IvrNotifier(sdk::Host host) : NotifierPlugin(host), board_(host) {
    const json settings = host.config();
    intro_ = channels::trimmed(settings.value("intro", std::string()));
    host.register_route("GET", "/public/ivr/announcement", true);
  }

  json send(const json& notification) override {
    (void)notification;
    throw sdk::Error(CXLOOP_ERR_UNSUPPORTED,
                     "the IVR notifier is a broadcast notifier (capability \"broadcast\"): "
                     "campaigns reach it through \"publish\", not per-customer \"send\"");
  }

  json invoke(const std::string& operation, const json& request) override {
    if (operation == "publish") return board_.publish(request);
    if (operation == "withdraw") return board_.withdraw(request);
    return NotifierPlugin::invoke(operation, request);
  }

  Response handle_http(const HttpRequest& request) override {
    const std::string caller = caller_number(request);
    if (caller.empty()) {
      throw sdk::Error(CXLOOP_ERR_INVALID,
                       "query parameter 'caller' is required: the calling number in E.164, "
                       "e.g. ?caller=%2B442079460958");
    }
    const std::vector<notices::Notice> notices = board_.active();
    std::set<std::int64_t> problems;
    for (const auto& notice : notices) {
      if (const std::int64_t id = problem_id(notice)) problems.insert(id);
    }
    // Asked even when nothing is on the board, so a malformed number is always a 400.
    json affected;
    try {
      affected =
          host().call("customer.affected_problems", {{"phone", caller}, {"problem_ids", problems}});
    } catch (const sdk::HostError& e) {
      if (e.status() == CXLOOP_ERR_INVALID) {
        throw sdk::Error(CXLOOP_ERR_INVALID, "caller '" + caller +
                                                 "' is not a phone number the kernel accepts: " +
                                                 e.what() + "; send it in E.164 (+442079460958)");
      }
      throw;
    }
    std::set<std::int64_t> concerned;
    for (const auto& id : affected.value("problem_ids", json::array())) {
      if (id.is_number_integer()) concerned.insert(id.get<std::int64_t>());
    }

    std::string text;
    json numbers = json::array();
    for (const auto& notice : notices) {  // newest first
      if (concerned.count(problem_id(notice)) == 0) continue;
      std::string said = channels::trimmed(notice.value("text", std::string()));
      if (said.empty()) said = channels::trimmed(notice.value("subject", std::string()));
      if (said.empty()) continue;
      text += (text.empty() ? "" : " ") + said;
      numbers.push_back(notice.value("problem", json::object()).value("number", ""));
    }
    host().counter_add("ivr_lookups_total", 1, {{"announce", text.empty() ? "false" : "true"}});
    Response response =
        text.empty() ? Response::json(200, {{"announce", false}})
                     : Response::json(200, {{"announce", true},
                                            {"text", intro_.empty() ? text : intro_ + " " + text},
                                            {"problems", numbers}});
    // The answer depends on the caller and on what is published right now.
    response.headers["cache-control"] = "no-store";
    return response;
  }

 private:
  NoticeBoard board_;
  std::string intro_;
};

}  // namespace cxloop::plugins::ivr

CXLOOP_PLUGIN(cxloop::plugins::ivr::IvrNotifier, "ivr", "notifier", "1.0.0")

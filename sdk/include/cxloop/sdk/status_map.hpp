// Maps a department system's own states ("resolved", "stalled", "Closed - Won't fix") to
// cxloop's task states. A connector ships defaults for its system; the instance's settings
// may override or extend them under "status_map" ({"external state": "cxloop state"}), so an
// admin whose tracker has custom states fixes the mapping in config instead of in code.
//
//   StatusMap map({{"new", "open"}, {"resolved", "done"}}, config().value("status_map", json()));
//   std::optional<std::string> state = map.to_task_state("Resolved");   // "done"
//
// External states compare case-insensitively, without surrounding blanks.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cxloop/sdk/error.hpp"

namespace cxloop::sdk {

class StatusMap {
 public:
  // The states a task can be in, in lifecycle order.
  static bool is_task_state(const std::string& state) {
    return state == "queued" || state == "open" || state == "in_progress" || state == "done" ||
           state == "rejected";
  }

  // overrides: null, or an object of strings; anything else, or a target that is not a task
  // state, throws Error(CXLOOP_ERR_INVALID) naming the offending key, so the instance fails
  // at init with a message pointing at its config.
  StatusMap(const std::map<std::string, std::string>& defaults,
            const nlohmann::json& overrides = nullptr) {
    for (const auto& [external, state] : defaults) add(external, state, "default status map");
    if (overrides.is_null()) return;
    if (!overrides.is_object()) {
      throw Error(CXLOOP_ERR_INVALID,
                  "settings 'status_map' must be an object of {\"external state\": \"task "
                  "state\"}");
    }
    for (const auto& [external, state] : overrides.items()) {
      if (!state.is_string()) {
        throw Error(CXLOOP_ERR_INVALID,
                    "settings 'status_map/" + external + "' must be a string task state");
      }
      add(external, state.get<std::string>(), "settings 'status_map/" + external + "'");
    }
  }

  // The task state for an external state; nullopt when the map does not know it (the
  // connector decides whether that is ignorable or an error worth reporting).
  std::optional<std::string> to_task_state(const std::string& external) const {
    auto it = map_.find(normalise(external));
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }

  const std::map<std::string, std::string>& entries() const { return map_; }

 private:
  static std::string normalise(const std::string& text) {
    std::size_t begin = 0, end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    std::string out = text.substr(begin, end - begin);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  }

  void add(const std::string& external, const std::string& state, const std::string& where) {
    if (!is_task_state(state)) {
      throw Error(CXLOOP_ERR_INVALID, where + ": '" + state +
                                          "' is not a task state; use queued, open, "
                                          "in_progress, done or rejected");
    }
    map_[normalise(external)] = state;
  }

  std::map<std::string, std::string> map_;
};

}  // namespace cxloop::sdk

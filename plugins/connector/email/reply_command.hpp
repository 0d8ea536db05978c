// Reads a department's reply to a task mail: the reply's own text without what it quotes
// (lines starting with ">", everything from an "On ... wrote:" attribution, an
// "-----Original Message-----" block or a signature "-- " line on), then an optional command
// on the first line, looked up in the connector's StatusMap: "done", "rejected", "started",
// "in progress" by default, extended or overridden by the instance's "status_map".
//   "Done - deployed in 2.3.1\n\n> original task..."  ->  status "done", comment
//   "deployed in 2.3.1"
//   "We need the batch numbers first."                ->  no status, that text as comment
#pragma once

#include <optional>
#include <string>

#include <cxloop/sdk/status_map.hpp>

namespace cxloop::plugins::email_connector {

struct ReplyCommand {
  std::optional<std::string> status;  // a task state, when the reply starts with a command
  std::string comment;                // the rest of the reply's own text, "" when none
};

// The command words the connector knows without configuration.
sdk::StatusMap reply_status_map(const nlohmann::json& overrides);

// text: the reply's body as UTF-8 plain text.
std::string without_quoted_text(const std::string& text);

ReplyCommand read_reply(const std::string& text, const sdk::StatusMap& commands);

}  // namespace cxloop::plugins::email_connector

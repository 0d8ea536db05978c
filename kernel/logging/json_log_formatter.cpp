#include "logging/json_log_formatter.hpp"

#include <Poco/DateTimeFormatter.h>
#include <Poco/Message.h>
#include <nlohmann/json.hpp>

#include "logging/log_setup.hpp"

namespace cxloop::logging {

void JsonLogFormatter::format(const Poco::Message& message, std::string& text) {
  nlohmann::json line = {
      {"ts", Poco::DateTimeFormatter::format(message.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ")},
      {"level", level_name(message.getPriority())},
      {"logger", message.getSource()},
      {"msg", message.getText()},
      {"thread", message.getTid()},
  };
  // Log text can carry bytes from requests; never let a bad byte drop the line.
  text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cxloop::logging

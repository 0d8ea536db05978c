#include "logging/log_setup.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

#include "logging/json_log_formatter.hpp"

namespace cxloop::logging {

void setup_logging(const config::LoggingConfig& config) {
  Poco::AutoPtr<Poco::Formatter> formatter;
  if (config.format == "json") {
    formatter = new JsonLogFormatter;
  } else {
    auto* pattern = new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t");
    pattern->setProperty("times", "UTC");
    formatter = pattern;
  }
  // ConsoleChannel writes to std::clog (stderr) and serializes writers with its own mutex.
  Poco::AutoPtr<Poco::Channel> channel(
      new Poco::FormattingChannel(formatter, new Poco::ConsoleChannel));
  // The empty name addresses the root logger and every logger below it.
  Poco::Logger::setChannel("", channel);
  Poco::Logger::setLevel("", Poco::Logger::parseLevel(config.level));
}

std::string level_name(Poco::Message::Priority priority) {
  switch (priority) {
    case Poco::Message::PRIO_FATAL:
      return "fatal";
    case Poco::Message::PRIO_CRITICAL:
      return "critical";
    case Poco::Message::PRIO_ERROR:
      return "error";
    case Poco::Message::PRIO_WARNING:
      return "warning";
    case Poco::Message::PRIO_NOTICE:
      return "notice";
    case Poco::Message::PRIO_INFORMATION:
      return "information";
    case Poco::Message::PRIO_DEBUG:
      return "debug";
    case Poco::Message::PRIO_TRACE:
      return "trace";
  }
  return "information";
}

}  // namespace cxloop::logging

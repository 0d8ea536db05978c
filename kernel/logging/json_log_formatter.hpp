// Structured logs: a Poco formatter that writes each message as one JSON object per line
// (ts, level, logger, msg, thread), for log shippers that parse JSON.
#pragma once

#include <Poco/Formatter.h>

namespace cxloop::logging {

class JsonLogFormatter : public Poco::Formatter {
 public:
  void format(const Poco::Message& message, std::string& text) override;
};

}  // namespace cxloop::logging

// Logging set-up: every kernel component logs through Poco::Logger ("cxloop.<component>");
// this routes all of them to stderr as text or JSON lines at the configured level.
#pragma once

#include <Poco/Message.h>

#include <string>

#include "config/config.hpp"

namespace cxloop::logging {

// Installs the console channel and level on every logger, existing and future.
void setup_logging(const config::LoggingConfig& config);

// "information", "warning", ... as used in the config file.
std::string level_name(Poco::Message::Priority priority);

}  // namespace cxloop::logging

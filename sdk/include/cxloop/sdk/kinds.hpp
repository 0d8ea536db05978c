// One base class per plugin kind. Each maps the kind's invoke() operations to typed virtuals;
// the request and response shapes are listed in docs/sdk.md ("Operations by kind").
#pragma once

#include <string>
#include <vector>

#include "cxloop/sdk/plugin.hpp"

namespace cxloop::sdk {

// Receives contacts from a customer channel and delivers replies through it.
//   "deliver" {message...}  -> deliver(message)  -> {"external_ref": ..., ...}
//   "poll"    {...}         -> poll(request)     -> {...} (for channels that fetch, e.g. IMAP)
class ChannelPlugin : public Plugin {
 public:
  static constexpr const char* kind_name = "channel";
  using Plugin::Plugin;

  virtual json deliver(const json& message) {
    (void)message;
    throw unsupported("deliver");
  }
  virtual json poll(const json& request) {
    (void)request;
    throw unsupported("poll");
  }

  json invoke(const std::string& operation, const json& request) override {
    if (operation == "deliver") return deliver(request);
    if (operation == "poll") return poll(request);
    return Plugin::invoke(operation, request);
  }
};

// Connects a department's own system (issue tracker, webhook, mailbox) to problem tasks.
//   "push"     task                 -> push(task)              -> {"external_ref": ..., ...}
//   "update"   {"task", "change"}   -> update(task, change)    -> {...}
//   "poll"     {"refs": [...]}      -> poll(refs)              -> {"statuses": [...]}
//   "callback" HTTP request JSON    -> handle_callback(req)    -> {"changes": [...]}
class ConnectorPlugin : public Plugin {
 public:
  static constexpr const char* kind_name = "connector";
  using Plugin::Plugin;

  // Creates the task in the department's system; must be idempotent for the task's
  // idempotency_key, because a push can be repeated after a crash.
  virtual json push(const json& task) = 0;
  virtual json update(const json& task, const json& change) {
    (void)task;
    (void)change;
    throw unsupported("update");
  }
  // One status object per known reference: {"external_ref", "status", ...}.
  virtual json poll(const std::vector<std::string>& refs) {
    (void)refs;
    throw unsupported("poll");
  }
  // Turns the department system's callback into task changes: [{"external_ref", "status"}].
  virtual json handle_callback(const HttpRequest& request) {
    (void)request;
    throw unsupported("callback");
  }

  json invoke(const std::string& operation, const json& request) override {
    if (operation == "push") return push(request);
    if (operation == "update") return update(require(request, "task"), require(request, "change"));
    if (operation == "poll") {
      const json& refs = require(request, "refs");
      if (!refs.is_array()) throw Error(CXLOOP_ERR_INVALID, "'refs' must be an array of strings");
      return json{{"statuses", poll(refs.get<std::vector<std::string>>())}};
    }
    if (operation == "callback") {
      return json{{"changes", handle_callback(HttpRequest::from_json(request))}};
    }
    return Plugin::invoke(operation, request);
  }
};

// Watches events and proposes problems or links.
//   "match" {"case": {...}} -> match(request) -> {"proposals": [...]}
class AnalyticsPlugin : public Plugin {
 public:
  static constexpr const char* kind_name = "analytics";
  using Plugin::Plugin;

  virtual json match(const json& request) {
    (void)request;
    throw unsupported("match");
  }

  json invoke(const std::string& operation, const json& request) override {
    if (operation == "match") return match(request);
    return Plugin::invoke(operation, request);
  }
};

// Sends notifications to customers (email, SMS, postcard batch, ...).
//   "send" notification -> send(notification) -> {"external_ref": ..., "state": "sent"}
class NotifierPlugin : public Plugin {
 public:
  static constexpr const char* kind_name = "notifier";
  using Plugin::Plugin;

  // Must be idempotent for the notification's idempotency_key.
  virtual json send(const json& notification) = 0;

  json invoke(const std::string& operation, const json& request) override {
    if (operation == "send") return send(request);
    return Plugin::invoke(operation, request);
  }
};

}  // namespace cxloop::sdk

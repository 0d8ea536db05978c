// Request Tracker's REST 2 API (<url>/REST/2.0/...) as this connector speaks it: JSON in and
// out, token or basic auth, one connection per request (the connector is called from several
// outbox threads at once), and RT's answers turned into the SDK's statuses:
//   unreachable, timeout, 5xx  -> UNAVAILABLE (the outbox retries)
//   401, 403                   -> FORBIDDEN, naming settings 'auth' / the RT rights needed
//   404                        -> NOT_FOUND
//   other 4xx, 2xx not JSON    -> INVALID, with RT's own message
#pragma once

#include <optional>
#include <string>

#include <cxloop/sdk.hpp>

#include "rt_settings.hpp"

namespace cxloop::connectors::request_tracker {

class RtClient {
 public:
  explicit RtClient(RtSettings settings);

  // path is below /REST/2.0 ("/ticket/12"); what names the action for messages
  // ("creating a ticket in queue 'x'"). Each returns RT's JSON answer or throws sdk::Error.
  sdk::json get(const std::string& path, const std::string& what) const;
  sdk::json post(const std::string& path, const sdk::json& body, const std::string& what) const;
  sdk::json put(const std::string& path, const sdk::json& body, const std::string& what) const;
  // A GET that answers nullopt for 404 (a ticket that no longer exists).
  std::optional<sdk::json> find(const std::string& path, const std::string& what) const;

  // Where a person opens the ticket in RT's web UI.
  std::string ticket_url(const std::string& id) const;
  const RtSettings& settings() const { return settings_; }

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  Reply send(const std::string& method, const std::string& path, const sdk::json* body,
             const std::string& what) const;
  sdk::json parse(const Reply& reply, const std::string& what) const;

  RtSettings settings_;
};

// The error for an RT answer that is not a success (status >= 300), with RT's own message
// (its {"message": ...} document) when there is one.
sdk::Error rt_error(int status, const std::string& body, const std::string& what,
                    const RtSettings& settings);

}  // namespace cxloop::connectors::request_tracker

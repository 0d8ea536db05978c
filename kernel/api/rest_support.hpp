// Small pieces every REST route group shares: JSON responses, ETag/If-Match revisions,
// path ids and query parameters, so each handler reads as "parse, call the service, answer".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "http/http_types.hpp"

namespace cxloop::api {

// 200/201 JSON answer; when record carries a "revision", an ETag header too.
http::HttpResponse json_response(int status, const nlohmann::json& record);

// The weak-free entity tag for a revision: "\"<revision>\"".
std::string etag_for(std::int64_t revision);

// The revision named by If-Match ("\"7\"" or "7"), nullopt without the header; a malformed
// value is a 400 naming the header.
std::optional<std::int64_t> if_match_revision(const http::HttpRequest& request);

// The path parameter as a positive id; 404 when it is not one (no such resource).
std::int64_t path_id(const http::HttpRequest& request, const std::string& name);

// An integer query parameter within [0, 2^62], or fallback when absent; 400 otherwise.
std::int64_t query_integer(const http::HttpRequest& request, const std::string& name,
                           std::int64_t fallback);

// The target state of a POST .../transition request: the body {"state": "..."}, nothing else.
std::string transition_target(const http::HttpRequest& request);
// A transition that may carry a note for the audit trail: {"state", "note"?}.
struct TransitionRequest {
  std::string state;
  std::string note;
};
TransitionRequest transition_request(const http::HttpRequest& request);

// Query parameters as a JSON object of strings, for the services' list filters.
nlohmann::json query_object(const http::HttpRequest& request);

}  // namespace cxloop::api

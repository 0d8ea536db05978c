#include "api/rest_support.hpp"

#include <cctype>

#include "api/auth.hpp"
#include "api/domain_routes.hpp"
#include "api/request_body.hpp"
#include "http/api_error.hpp"
#include "workflow/field_rules.hpp"

namespace cxloop::api {

http::HttpResponse json_response(int status, const nlohmann::json& record) {
  auto response = http::HttpResponse::json(status, record.dump());
  if (record.is_object()) {
    auto revision = record.find("revision");
    if (revision != record.end() && revision->is_number_integer()) {
      response.headers["etag"] = etag_for(revision->get<std::int64_t>());
    }
  }
  return response;
}

std::string etag_for(std::int64_t revision) { return "\"" + std::to_string(revision) + "\""; }

std::optional<std::int64_t> if_match_revision(const http::HttpRequest& request) {
  auto header = request.header("if-match");
  if (!header) return std::nullopt;
  std::string value = *header;
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  bool digits = !value.empty() && value.size() <= 18;
  for (char c : value) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) {
    throw http::ApiError::bad_request(
        "If-Match must be the ETag of the record you read (a quoted revision such as \"3\"), "
        "not '" +
            *header + "'",
        "/headers/if-match");
  }
  return std::stoll(value);
}

std::int64_t path_id(const http::HttpRequest& request, const std::string& name) {
  auto it = request.params.find(name);
  const std::string& text = it == request.params.end() ? std::string() : it->second;
  bool digits = !text.empty() && text.size() <= 18;
  for (char c : text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits || std::stoll(text) <= 0) {
    throw http::ApiError::not_found("no such resource: '" + text + "' is not an id");
  }
  return std::stoll(text);
}

std::int64_t query_integer(const http::HttpRequest& request, const std::string& name,
                           std::int64_t fallback) {
  auto value = request.query_param(name);
  if (!value) return fallback;
  bool digits = !value->empty() && value->size() <= 18;
  for (char c : *value) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) {
    throw http::ApiError::bad_request(
        "query parameter '" + name + "' must be a non-negative integer, not '" + *value + "'",
        "/query/" + name);
  }
  return std::stoll(*value);
}

std::string transition_target(const http::HttpRequest& request) {
  auto body = parse_object_body(request);
  workflow::require_object(body, {"state"}, "transition");
  return workflow::required_text(body, "state", 40);
}

TransitionRequest transition_request(const http::HttpRequest& request) {
  auto body = parse_object_body(request);
  workflow::require_object(body, {"state", "note"}, "transition");
  return {workflow::required_text(body, "state", 40),
          workflow::optional_text(body, "note", 2000).value_or("")};
}

nlohmann::json query_object(const http::HttpRequest& request) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : request.query) out[key] = value;
  return out;
}

workflow::Actor actor_of(const Principal& principal) {
  return workflow::Actor{principal.actor(), to_string(principal.role)};
}

}  // namespace cxloop::api

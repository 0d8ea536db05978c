#include "http/api_error.hpp"

#include <Poco/Net/HTTPResponse.h>
#include <nlohmann/json.hpp>

namespace cxloop::http {

ApiError::ApiError(int status, std::string type, std::string detail, std::string field)
    : std::runtime_error(std::move(detail)),
      status_(status),
      type_(std::move(type)),
      field_(std::move(field)) {}

std::string ApiError::to_problem_json(const std::string& instance) const {
  nlohmann::json problem = {
      {"type", "https://cxloop.dev/problems/" + type_},
      {"title", Poco::Net::HTTPResponse::getReasonForStatus(
                    static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status_))},
      {"status", status_},
      {"detail", what()},
      {"instance", instance},
  };
  if (!field_.empty()) problem["field"] = field_;
  // Replace rather than throw on invalid UTF-8 coming from user input echoed in a detail.
  return problem.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError ApiError::bad_request(std::string detail, std::string field) {
  return ApiError(400, "validation", std::move(detail), std::move(field));
}

ApiError ApiError::not_found(std::string detail) {
  return ApiError(404, "not-found", std::move(detail));
}

ApiError ApiError::conflict(std::string detail, std::string field) {
  return ApiError(409, "conflict", std::move(detail), std::move(field));
}

}  // namespace cxloop::http

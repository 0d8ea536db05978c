#include "http/problem_response.hpp"

#include "workflow/domain_error.hpp"

namespace cxloop::http {

HttpResponse problem_response(const ApiError& error, const std::string& instance) {
  HttpResponse response;
  response.status = error.status();
  response.headers["content-type"] = "application/problem+json";
  response.body = error.to_problem_json(instance);
  return response;
}

ApiError to_api_error(const workflow::DomainError& error) {
  using workflow::ErrorKind;
  switch (error.kind()) {
    case ErrorKind::invalid:
      return ApiError(400, "validation", error.what(), error.field());
    case ErrorKind::not_found:
      return ApiError(404, "not-found", error.what(), error.field());
    case ErrorKind::conflict:
      return ApiError(409, "conflict", error.what(), error.field());
    case ErrorKind::stale_revision:
      return ApiError(412, "stale-revision", error.what(), error.field());
    case ErrorKind::forbidden:
      return ApiError(403, "forbidden", error.what(), error.field());
    case ErrorKind::unavailable:
      return ApiError(503, "unavailable", error.what(), error.field());
  }
  return ApiError(500, "internal", error.what(), error.field());
}

}  // namespace cxloop::http

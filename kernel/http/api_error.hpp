// The one exception type that reaches the HTTP edge with a meaning: it becomes an
// application/problem+json response (RFC 9457) naming the offending field.
#pragma once

#include <stdexcept>
#include <string>

namespace cxloop::http {

class ApiError : public std::runtime_error {
 public:
  // status: HTTP status; type: short slug appended to the problem type URI
  // ("validation", "not-found", "conflict", ...); detail: what to fix; field: JSON pointer
  // of the offending field ("/customer/email"), empty when not about one field.
  ApiError(int status, std::string type, std::string detail, std::string field = {});

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& field() const { return field_; }

  // The problem+json body for this error; instance is the request path.
  std::string to_problem_json(const std::string& instance) const;

  static ApiError bad_request(std::string detail, std::string field = {});
  static ApiError not_found(std::string detail);
  static ApiError conflict(std::string detail, std::string field = {});

 private:
  int status_;
  std::string type_;
  std::string field_;
};

}  // namespace cxloop::http

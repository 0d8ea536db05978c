// The exception business rules throw. It says what kind of failure it is and which field
// caused it; the HTTP edge turns it into problem+json and the plugin host into a status code.
#pragma once

#include <stdexcept>
#include <string>

namespace cxloop::workflow {

enum class ErrorKind {
  invalid,         // 400 / 422: bad value; field names it
  not_found,       // 404
  conflict,        // 409: duplicate, illegal transition
  stale_revision,  // 412: If-Match / revision did not match
  forbidden,       // 403
  unavailable      // 503: a dependency is down
};

class DomainError : public std::runtime_error {
 public:
  DomainError(ErrorKind kind, std::string detail, std::string field = {})
      : std::runtime_error(std::move(detail)), kind_(kind), field_(std::move(field)) {}
  ErrorKind kind() const { return kind_; }
  // JSON pointer of the offending field ("/email"), or empty.
  const std::string& field() const { return field_; }

 private:
  ErrorKind kind_;
  std::string field_;
};

}  // namespace cxloop::workflow

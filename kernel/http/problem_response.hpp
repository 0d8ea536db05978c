// Turning failures into application/problem+json responses (RFC 9457): the one place that
// decides which HTTP status each kind of kernel error gets.
#pragma once

#include <string>

#include "http/api_error.hpp"
#include "http/http_types.hpp"

namespace cxloop::workflow {
class DomainError;
}

namespace cxloop::http {

// The problem+json response for error; instance is the request path.
HttpResponse problem_response(const ApiError& error, const std::string& instance);

// Business rule failures keep their meaning at the edge. invalid maps to 400 (like
// ApiError::bad_request, so a client sees one status for every validation failure);
// not_found 404, conflict 409, stale_revision 412, forbidden 403, unavailable 503.
ApiError to_api_error(const workflow::DomainError& error);

}  // namespace cxloop::http

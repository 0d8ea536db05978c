// Reading JSON request bodies at the HTTP edge: content type, well-formed JSON, valid UTF-8
// and an object at the top. Every refusal is an ApiError naming what to fix; the fields
// themselves are checked by the workflow services (workflow/field_rules.hpp).
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace cxloop::http {
struct HttpRequest;
}

namespace cxloop::api {

// Parses the body as a JSON object. 415 for a non-JSON content type, 400 for an empty body,
// malformed JSON (with the byte offset), invalid UTF-8, or a value that is not an object.
nlohmann::json parse_object_body(const http::HttpRequest& request);

}  // namespace cxloop::api

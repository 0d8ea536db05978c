// Reading JSON request bodies at the HTTP edge: content type, well-formed JSON, valid UTF-8,
// and only the fields an endpoint knows. Every refusal is an ApiError naming what to fix.
#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace cxloop::http {
struct HttpRequest;
}

namespace cxloop::api {

// Parses the body as a JSON object. 415 for a non-JSON content type, 400 for an empty body,
// malformed JSON (with the byte offset), invalid UTF-8, or a value that is not an object.
nlohmann::json parse_object_body(const http::HttpRequest& request);

// 400 naming the first field of object (at JSON pointer base, "" for the root) that is not
// in allowed.
void reject_unknown_fields(const nlohmann::json& object, std::initializer_list<const char*> allowed,
                           const std::string& base = "");

}  // namespace cxloop::api

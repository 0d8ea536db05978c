#include "api/request_body.hpp"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "http/api_error.hpp"
#include "http/http_types.hpp"

namespace cxloop::api {

namespace {

bool is_json_content_type(const std::string& value) {
  // "application/json", "application/json; charset=utf-8", "application/merge-patch+json".
  std::string type = value.substr(0, value.find(';'));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(), ::tolower);
  return type == "application/json" || (type.rfind("application/", 0) == 0 && type.size() > 5 &&
                                        type.compare(type.size() - 5, 5, "+json") == 0);
}

}  // namespace

nlohmann::json parse_object_body(const http::HttpRequest& request) {
  auto content_type = request.header("content-type");
  if (content_type && !is_json_content_type(*content_type)) {
    throw http::ApiError(415, "unsupported-media-type",
                         "the request body must be JSON (Content-Type: application/json), not '" +
                             *content_type + "'");
  }
  if (request.body.empty()) {
    throw http::ApiError::bad_request("the request body is empty; send a JSON object");
  }
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports ill-formed UTF-8 as a parse error too; keep its explanation.
    std::string what = e.what();
    auto pos = what.find("]: ");
    if (pos != std::string::npos) what = what.substr(pos + 3);
    throw http::ApiError::bad_request("the request body is not valid JSON (at byte " +
                                      std::to_string(e.byte) + "): " + what);
  }
  if (!body.is_object()) {
    throw http::ApiError::bad_request(std::string("the request body must be a JSON object, not ") +
                                      body.type_name());
  }
  return body;
}

}  // namespace cxloop::api

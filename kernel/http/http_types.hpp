// Plain request and response values that every route handler (kernel or plugin) works with.
// Poco's stream-based types stay inside http_server.cpp; everything else sees these.
#pragma once

#include <istream>
#include <map>
#include <optional>
#include <string>

namespace cxloop::http {

// Header names are compared case-insensitively, so they are stored lower-cased.
using HeaderMap = std::map<std::string, std::string>;

struct HttpRequest {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // decoded path without the query string
  std::map<std::string, std::string> params;  // from the route pattern, e.g. {id}
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  HeaderMap headers;                          // lower-cased names
  std::string body;
  // Set instead of body for streaming routes (Route::streaming): the unread request body.
  std::istream* body_stream = nullptr;
  std::string remote_addr;  // "ip:port"

  // The header's value, or nullopt. name must be lower-case.
  std::optional<std::string> header(const std::string& name) const;
  // The query parameter, or nullopt.
  std::optional<std::string> query_param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  HeaderMap headers;  // content-type defaults to application/json when a body is set
  std::string body;

  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body, std::string content_type = "text/plain");
  static HttpResponse empty(int status);
};

}  // namespace cxloop::http

// Maps METHOD + path pattern ("/api/v1/cases/{id}/messages") to a handler. The router also
// knows each route's name (its pattern) for metrics and the role it requires.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/http_types.hpp"

namespace cxloop::http {

using Handler = std::function<HttpResponse(HttpRequest&)>;

struct Route {
  std::string method;
  std::string pattern;  // literal segments and {name} captures; a trailing {*rest} captures
                        // the remainder of the path
  Handler handler;
  // A streaming route reads its own body from HttpRequest::body_stream, without the
  // http.max_body_bytes cap (bulk imports); every other route gets the body buffered.
  bool streaming = false;
};

struct RouteMatch {
  const Route* route = nullptr;
  bool path_matched = false;         // true when the path exists for another method (405, not 404)
  std::vector<std::string> allowed;  // those other methods, for the Allow header
};

class Router {
 public:
  // Adding the same method + pattern twice throws std::logic_error.
  void add(std::string method, std::string pattern, Handler handler, bool streaming = false);
  // Finds the route and fills request.params.
  RouteMatch match(HttpRequest& request) const;
  // Every registered route, in registration order (used to check the OpenAPI document).
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace cxloop::http

#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace cxloop::http {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 1;  // paths start with '/'
  if (path.empty() || path == "/") return segments;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool is_capture(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool is_rest(const std::string& segment) {
  return is_capture(segment) && segment.size() >= 3 && segment[1] == '*';
}

// Matches path segments against a pattern. On success fills params and a specificity key:
// per segment 0 for a literal, 1 for a capture, 2 for the rest; smaller keys win, so
// "/cases/search" beats "/cases/{id}" whatever the registration order.
bool match_pattern(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   std::map<std::string, std::string>& params, std::vector<int>& key) {
  params.clear();
  key.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (is_rest(p)) {
      std::string rest;
      for (std::size_t j = i; j < path.size(); ++j) rest += (j == i ? "" : "/") + path[j];
      params[p.substr(2, p.size() - 3)] = rest;
      key.push_back(2);
      return true;
    }
    if (i >= path.size()) return false;
    if (is_capture(p)) {
      if (path[i].empty()) return false;
      params[p.substr(1, p.size() - 2)] = path[i];
      key.push_back(1);
    } else if (p == path[i]) {
      key.push_back(0);
    } else {
      return false;
    }
  }
  return pattern.size() == path.size();
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, bool streaming) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::logic_error("route pattern must start with '/': " + pattern);
  }
  auto segments = split_path(pattern);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (is_rest(segments[i]) && i + 1 != segments.size()) {
      throw std::logic_error("{*rest} must be the last segment of route pattern " + pattern);
    }
  }
  for (const auto& route : routes_) {
    if (route->method == method && route->pattern == pattern) {
      throw std::logic_error("route registered twice: " + method + " " + pattern);
    }
  }
  routes_.push_back(std::make_unique<Route>(
      Route{std::move(method), std::move(pattern), std::move(handler), streaming}));
}

RouteMatch Router::match(HttpRequest& request) const {
  RouteMatch result;
  const auto path = split_path(request.path);
  std::vector<int> best_key;
  std::map<std::string, std::string> params;
  std::vector<int> key;
  for (const auto& route : routes_) {
    if (!match_pattern(split_path(route->pattern), path, params, key)) continue;
    if (route->method != request.method) {
      result.path_matched = true;
      if (std::find(result.allowed.begin(), result.allowed.end(), route->method) ==
          result.allowed.end()) {
        result.allowed.push_back(route->method);
      }
      continue;
    }
    if (result.route == nullptr || key < best_key) {
      result.route = route.get();
      best_key = key;
      request.params = params;
    }
  }
  return result;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& route : routes_) out.emplace_back(route->method, route->pattern);
  return out;
}

}  // namespace cxloop::http

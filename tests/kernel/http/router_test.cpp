// The router: literal and captured segments, trailing rest captures, 404 versus 405.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "http/router.hpp"

using namespace cxloop::http;

namespace {

Handler named(std::string name) {
  return [name](HttpRequest&) { return HttpResponse::text(200, name); };
}

std::string run(const Router& router, const std::string& method, const std::string& path,
                HttpRequest* out = nullptr) {
  HttpRequest request;
  request.method = method;
  request.path = path;
  auto match = router.match(request);
  if (out) *out = request;
  if (match.route == nullptr) return match.path_matched ? "405" : "404";
  return match.route->handler(request).body;
}

}  // namespace

TEST_CASE("A literal pattern matches exactly that path") {
  Router router;
  router.add("GET", "/healthz", named("health"));
  CHECK(run(router, "GET", "/healthz") == "health");
  CHECK(run(router, "GET", "/healthz/x") == "404");
  CHECK(run(router, "GET", "/health") == "404");
  CHECK(run(router, "GET", "/") == "404");
}

TEST_CASE("Captured segments fill the request's params") {
  Router router;
  router.add("GET", "/api/v1/cases/{id}/messages/{msg}", named("msg"));
  HttpRequest request;
  CHECK(run(router, "GET", "/api/v1/cases/42/messages/7", &request) == "msg");
  CHECK(request.params.at("id") == "42");
  CHECK(request.params.at("msg") == "7");
  CHECK(run(router, "GET", "/api/v1/cases//messages/7") == "404");
}

TEST_CASE("A trailing rest capture takes the remainder of the path") {
  Router router;
  router.add("POST", "/hooks/channel/{instance}/{*rest}", named("hook"));
  HttpRequest request;
  CHECK(run(router, "POST", "/hooks/channel/mail/inbound/2024/x", &request) == "hook");
  CHECK(request.params.at("instance") == "mail");
  CHECK(request.params.at("rest") == "inbound/2024/x");
}

TEST_CASE("A literal segment wins over a capture whatever the registration order") {
  Router router;
  router.add("GET", "/cases/{id}", named("one"));
  router.add("GET", "/cases/search", named("search"));
  CHECK(run(router, "GET", "/cases/search") == "search");
  CHECK(run(router, "GET", "/cases/12") == "one");
}

TEST_CASE("A path known for other methods is a 405 listing them") {
  Router router;
  router.add("GET", "/cases/{id}", named("get"));
  router.add("PATCH", "/cases/{id}", named("patch"));
  HttpRequest request;
  request.method = "DELETE";
  request.path = "/cases/1";
  auto match = router.match(request);
  CHECK(match.route == nullptr);
  CHECK(match.path_matched);
  CHECK(match.allowed == std::vector<std::string>{"GET", "PATCH"});
  CHECK(run(router, "DELETE", "/nothing") == "404");
}

TEST_CASE("Registering the same method and pattern twice is a logic error") {
  Router router;
  router.add("GET", "/x", named("x"));
  CHECK_THROWS_AS(router.add("GET", "/x", named("x")), std::logic_error);
  CHECK_NOTHROW(router.add("POST", "/x", named("x")));
  CHECK_THROWS_AS(router.add("GET", "/a/{*rest}/b", named("x")), std::logic_error);
}

TEST_CASE("routes() lists every route in registration order") {
  Router router;
  router.add("GET", "/b", named("b"));
  router.add("POST", "/a", named("a"));
  CHECK(router.routes() ==
        std::vector<std::pair<std::string, std::string>>{{"GET", "/b"}, {"POST", "/a"}});
}

#include "api/openapi.hpp"

#include "http/router.hpp"

namespace cxloop::api {

void register_openapi_route(http::Router& router) {
  router.add("GET", "/api/v1/openapi.json",
             [](http::HttpRequest&) { return http::HttpResponse::json(200, openapi_document()); });
}

}  // namespace cxloop::api

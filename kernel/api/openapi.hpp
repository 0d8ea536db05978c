// The OpenAPI 3 description of the REST API (kernel/api/openapi.json, compiled in), served at
// GET /api/v1/openapi.json.
#pragma once

namespace cxloop::http {
class Router;
}

namespace cxloop::api {

// The document's JSON text.
const char* openapi_document();

// Registers GET /api/v1/openapi.json (public: it describes, it reveals no data).
void register_openapi_route(http::Router& router);

}  // namespace cxloop::api

// POST /api/v1/customers/import and /api/v1/assets/import: bulk loads of the install base
// as CSV (text/csv) or JSON lines (application/x-ndjson), read as a stream (not bound by
// http.max_body_bytes). All rows or none; every bad row is reported with its line number.
#include "api/domain_routes.hpp"

#include <sstream>

#include "api/auth.hpp"
#include "api/rest_support.hpp"
#include "http/api_error.hpp"
#include "import/importer.hpp"

namespace cxloop::api {

namespace {

http::HttpResponse run_import(http::HttpRequest& request, const Principal& who,
                              import::ImportKind kind, workflow::DomainServices& domain) {
  auto content_type = request.header("content-type").value_or("");
  import::Format format;
  try {
    format = import::format_from_name(content_type);
  } catch (const std::invalid_argument& e) {
    throw http::ApiError(415, "unsupported-media-type", e.what(), "/headers/content-type");
  }
  // Read as it arrives: a large file is never held whole as text in memory.
  std::istringstream buffered(request.body);
  std::istream& input = request.body_stream != nullptr ? *request.body_stream : buffered;
  auto reader = import::RecordReader::open(input, format);
  auto result = import::import_records(*reader, kind, domain, actor_of(who));
  if (!result.ok()) {
    nlohmann::json problem{
        {"type", "https://cxloop.dev/problems/import-rejected"},
        {"title", "Import rejected"},
        {"status", 422},
        {"detail", std::to_string(result.errors.size()) +
                       " row(s) have errors; nothing was imported. Fix the listed lines and "
                       "send the file again."},
        {"instance", request.path},
        {"rows", result.rows},
        {"errors", result.errors}};
    auto response = http::HttpResponse::json(422, problem.dump());
    response.headers["content-type"] = "application/problem+json";
    return response;
  }
  return json_response(200, result.to_json());
}

}  // namespace

void register_import_routes(SecuredRoutes& routes, workflow::DomainServices& domain) {
  routes.add(
      "POST", "/api/v1/customers/import", {Role::agent},
      [&](http::HttpRequest& request, const Principal& who) {
        return run_import(request, who, import::ImportKind::customers, domain);
      },
      true);
  routes.add(
      "POST", "/api/v1/assets/import", {Role::agent},
      [&](http::HttpRequest& request, const Principal& who) {
        return run_import(request, who, import::ImportKind::assets, domain);
      },
      true);
}

}  // namespace cxloop::api
